using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>Reduce and ReduceToSlot (kernels/Ops/Reduce.cs) against float64 sums.</summary>
public abstract partial class AcceleratorOpTests
{
    public static TheoryData<int> ReduceLengths
    {
        get
        {
            // Every length through the group-size edges (the device reduction runs groups of up to 256
            // lanes: 255, 256, 257, 511, 512, 513 are all in 0..520), then two long ones.
            var data = new TheoryData<int>();
            for (int n = 0; n <= 520; n++) data.Add(n);
            data.Add(1000);
            data.Add(100003);
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(ReduceLengths))]
    public void Reduce_matches_reference(int length)
    {
        var random = new System.Random(Seed(9, length, 0, 0, 0));
        float[] source = RandomValues(random, length, 10.0);
        DeviceSpan<float> destination = Output(1);
        Accelerator.Reduce(Input(source), destination);
        var (sum, magnitude) = ReferenceOps.Reduce(source);
        AssertClose("sum", Read(destination), _ => sum, _ => DotRtol(length) * magnitude + Tiny);
    }

    [SuiteTheory]
    [InlineData(1, 0u, 0)]
    [InlineData(37, 0u, 1)]
    [InlineData(128, 5u, 0)]
    [InlineData(128, 21u, 1)]   // wraps: slot 21 mod 4 = 1
    [InlineData(1000, 3u, 1)]
    public void ReduceToSlot_writes_only_the_cursors_slot(int length, uint cursor, int component)
    {
        const int slots = 4, width = 2;
        var random = new System.Random(Seed(14, length, (int)cursor, component, 0));
        float[] source = RandomValues(random, length, 10.0);
        float[] log = RandomValues(random, slots * width, 1.0);
        DeviceSpan<float> logSpan = Input(log);
        Accelerator.ReduceToSlot(Input(source), logSpan, width, component, Counter(cursor));

        float[] got = Read(logSpan);
        int target = (int)(cursor % slots) * width + component;
        var (sum, magnitude) = ReferenceOps.Reduce(source);
        for (int i = 0; i < got.Length; i++)
        {
            if (i == target) AssertElement("slot", i, got[i], sum, DotRtol(length) * magnitude + Tiny);
            else Assert.Equal(log[i], got[i]);
        }
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void Reduce_of_a_non_finite_input_is_non_finite(float bad)
    {
        float[] source = RandomValues(new System.Random(21), 300, 1.0);
        source[137] = bad;
        DeviceSpan<float> sum = Output(1);
        Accelerator.Reduce(Input(source), sum);
        float got = Read(sum)[0];
        if (float.IsNaN(bad)) Assert.True(float.IsNaN(got), $"sum {got}");
        else Assert.Equal(bad, got);
    }
}
