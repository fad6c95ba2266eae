using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>LinearForward and LinearBackward (kernels/Ops/Linear.cs, LinearGrouped.cs) against ReferenceOps.</summary>
public abstract partial class AcceleratorOpTests
{
    public static TheoryData<int, int, int, Activation> LinearCases
    {
        get
        {
            var data = new TheoryData<int, int, int, Activation>();
            foreach (var row in LinearShapes)
            {
                var (rows, inFeatures, outFeatures) = row.Data;
                foreach (Activation activation in AllActivations) data.Add(rows, inFeatures, outFeatures, activation);
            }
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(LinearCases))]
    public void LinearForward_matches_reference(int rows, int inFeatures, int outFeatures, Activation activation)
    {
        var random = new System.Random(Seed(1, rows, inFeatures, outFeatures, (int)activation));
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));
        float[] b = RandomValues(random, outFeatures, 0.5);

        DeviceSpan<float> y = Output(rows * outFeatures);
        Accelerator.LinearForward(Input(x), Input(w), Input(b), y, rows, inFeatures, outFeatures, activation);
        float[] got = Read(y);

        var (expected, _, magnitude) = ReferenceOps.LinearForward(x, w, b, rows, inFeatures, outFeatures, activation);
        double rtol = DotRtol(inFeatures);
        double elementRtol = activation is Activation.Tanh or Activation.Sigmoid ? 16 * Eps32 : 2 * Eps32;
        // TensorPrimitives.Tanh (.NET 10) is accurate to ~1 ulp of 1 in absolute terms, not relative to
        // the result: near 0 it is off by up to 1.2e-7 (measured; 260× relative at x = 2e-10).
        double elementAbsolute = activation == Activation.Tanh ? 2 * Eps32 : 0;
        AssertClose("y", got, i => expected[i], i =>
            rtol * magnitude[i] + elementRtol * Math.Abs(expected[i]) + elementAbsolute + Tiny);
    }

    [SuiteTheory]
    [MemberData(nameof(LinearCases))]
    public void LinearBackward_matches_reference(int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        var random = new System.Random(Seed(2, rows, inFeatures, outFeatures, (int)inputActivation));
        // x is the output of the layer below, so it is act(something): tanh in (−1, 1), relu ≥ 0 with exact zeros.
        float[] x = RandomValues(random, rows * inFeatures, 2.0);
        for (int i = 0; i < x.Length; i++) x[i] = Activations.Apply(inputActivation, x[i]);
        float[] dy = RandomValues(random, rows * outFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 1.0 / Math.Sqrt(inFeatures));

        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures), dx = Output(rows * inFeatures);
        Accelerator.LinearBackward(Input(dy), Input(x), Input(w), dw, db, dx, rows, inFeatures, outFeatures, inputActivation);
        float[] gotDw = Read(dw), gotDb = Read(db), gotDx = Read(dx);

        var expected = ReferenceOps.LinearBackward(dy, x, w, rows, inFeatures, outFeatures, inputActivation);
        double rowsRtol = DotRtol(rows);
        AssertClose("dw", gotDw, i => expected.Dw[i], i => rowsRtol * expected.DwMagnitude[i] + Tiny);
        AssertClose("db", gotDb, i => expected.Db[i], i => rowsRtol * expected.DbMagnitude[i] + Tiny);

        // dx = S·d with S a dot product of length out and d = act'(x) evaluated in float from x:
        // exact for the piecewise-linear activations, within a few ε (absolute, |x| < 1) for tanh and sigmoid.
        double outRtol = DotRtol(outFeatures);
        double derivativeError = inputActivation is Activation.Tanh or Activation.Sigmoid ? 4 * Eps32 : 0;
        AssertClose("dx", gotDx, i => expected.Dx[i], i =>
            outRtol * expected.DxMagnitude[i] * (Math.Abs(expected.Derivative[i]) + derivativeError) +
            Math.Abs(expected.DxSum[i]) * derivativeError + 2 * Eps32 * Math.Abs(expected.Dx[i]) + Tiny);
    }

    [SuiteFact]
    public void LinearBackward_without_dx_writes_dw_and_db()
    {
        const int rows = 9, inFeatures = 19, outFeatures = 11;
        var random = new System.Random(3);
        float[] x = RandomValues(random, rows * inFeatures, 1.0);
        float[] dy = RandomValues(random, rows * outFeatures, 1.0);
        float[] w = RandomValues(random, outFeatures * inFeatures, 0.3);
        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures);
        Accelerator.LinearBackward(Input(dy), Input(x), Input(w), dw, db, default, rows, inFeatures, outFeatures, Activation.Relu);
        var expected = ReferenceOps.LinearBackward(dy, x, w, rows, inFeatures, outFeatures, Activation.Relu);
        AssertClose("dw", Read(dw), i => expected.Dw[i], i => DotRtol(rows) * expected.DwMagnitude[i] + Tiny);
        AssertClose("db", Read(db), i => expected.Db[i], i => DotRtol(rows) * expected.DbMagnitude[i] + Tiny);
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void LinearForward_carries_a_non_finite_input_into_its_row_only(float bad)
    {
        const int rows = 3, inFeatures = 7, outFeatures = 5;
        var random = new System.Random(22);
        float[] x = RandomValues(random, rows * inFeatures, 1.0), w = RandomValues(random, outFeatures * inFeatures, 0.5);
        float[] b = RandomValues(random, outFeatures, 0.1);
        x[1 * inFeatures + 3] = bad;
        DeviceSpan<float> y = Output(rows * outFeatures);
        Accelerator.LinearForward(Input(x), Input(w), Input(b), y, rows, inFeatures, outFeatures, Activation.Identity);
        float[] got = Read(y);
        for (int i = 0; i < got.Length; i++)
        {
            bool badRow = i / outFeatures == 1;
            Assert.True(badRow ? !float.IsFinite(got[i]) : float.IsFinite(got[i]), $"y[{i}] = {got[i]}");
        }
    }
}
