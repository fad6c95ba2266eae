using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>What every op shares: zero rows, operands of the wrong length, operands of another accelerator.</summary>
public abstract partial class AcceleratorOpTests
{
    [SuiteFact]
    public void AnyOp_of_zero_rows_writes_nothing_but_zero_weight_gradients()
    {
        const int inFeatures = 9, outFeatures = 5, latent = 3;
        var random = new System.Random(11);
        float[] w = RandomValues(random, outFeatures * inFeatures, 0.3), b = RandomValues(random, outFeatures, 0.3);
        DeviceSpan<float> empty = Output(0);
        Accelerator.LinearForward(Output(0), Input(w), Input(b), empty, 0, inFeatures, outFeatures, Activation.Tanh);
        Assert.Empty(Read(empty));

        // Sums over no rows are zero: dw = dyᵀ·x and db are written as zeros.
        DeviceSpan<float> dw = Output(outFeatures * inFeatures), db = Output(outFeatures);
        Accelerator.LinearBackward(Output(0), Output(0), Input(w), dw, db, Output(0), 0, inFeatures, outFeatures, Activation.Relu);
        Assert.All(Read(dw), value => Assert.Equal(0f, value));
        Assert.All(Read(db), value => Assert.Equal(0f, value));

        // Every zero-length output is read back: Read fails if anything was written around it, and the
        // counters must come back unchanged.
        DeviceSpan<float> nll = Output(0), dLogits = Output(0);
        Accelerator.ElboOutput(Output(0), Input(w), Input(b), Output(0), nll, dLogits, 0, inFeatures, outFeatures,
            Likelihood.Bernoulli, 1f);
        Assert.Empty(Read(nll));
        Assert.Empty(Read(dLogits));
        DeviceSpan<float> z = Output(0), eps = Output(0), kl = Output(0);
        DeviceSpan<uint> counter = Counter(5);
        Accelerator.Reparameterize(Output(0), z, eps, kl, 0, latent, new LogVarClamp(-1, 1), new NoiseSource(1, 0), counter);
        Assert.Empty(Read(z));
        Assert.Empty(Read(eps));
        Assert.Empty(Read(kl));
        DeviceSpan<float> dHead = Output(0);
        Accelerator.ReparameterizeBackward(Output(0), Output(0), Output(0), dHead, 0, latent, new LogVarClamp(-1, 1),
            new KlWeight(1, 0), 1f, counter);
        Assert.Empty(Read(dHead));
        Assert.Equal(5u, ReadCounter(counter));
        DeviceSpan<float> gathered = Output(0);
        DeviceBuffer<byte> images = Own(Accelerator.Allocate<byte>(inFeatures));
        Accelerator.GatherRows(images, Own(Accelerator.Allocate<int>(1)).Slice(0, 0), gathered, 0, inFeatures);
        Assert.Empty(Read(gathered));
        // A convolution over no images writes nothing but its weight and bias gradients, as zeros.
        ConvShape none = ConvShape.Conv2d(0, 2, 6, 5, 3, 4, 2, 1);
        float[] cw = RandomValues(random, none.WeightCount, 0.3);
        DeviceSpan<float> convY = Output(0);
        Accelerator.Conv2dForward(Output(0), Input(cw), Input(RandomValues(random, 3, 0.3)), convY, none, Activation.Relu);
        Assert.Empty(Read(convY));
        DeviceSpan<float> cdw = Output(none.WeightCount), cdb = Output(3), cdbT = Output(2), cdwT = Output(none.WeightCount);
        Accelerator.Conv2dBackward(Output(0), Output(0), Input(cw), cdw, cdb, Output(0), none, Activation.Relu);
        Accelerator.ConvTranspose2dBackward(Output(0), Output(0), Input(cw), cdwT, cdbT, Output(0), none, Activation.Relu);
        Assert.All(Read(cdw).Concat(Read(cdb)).Concat(Read(cdwT)).Concat(Read(cdbT)), value => Assert.Equal(0f, value));
        DeviceSpan<float> convNll = Output(0);
        Accelerator.ConvTranspose2dElboOutput(Output(0), Input(cw), Input(RandomValues(random, 2, 0.3)), Output(0), convNll, Output(0), none,
            Likelihood.Bernoulli, 1f);
        Assert.Empty(Read(convNll));
        DeviceSpan<float> sum = Output(1);
        Accelerator.Reduce(Output(0), sum);
        Assert.Equal([0f], Read(sum));
    }

    [SuiteTheory]
    [InlineData("LinearForward", "x")]
    [InlineData("LinearForward", "w")]
    [InlineData("LinearForward", "b")]
    [InlineData("LinearForward", "y")]
    [InlineData("LinearBackward", "dy")]
    [InlineData("LinearBackward", "x")]
    [InlineData("LinearBackward", "w")]
    [InlineData("LinearBackward", "dw")]
    [InlineData("LinearBackward", "db")]
    [InlineData("LinearBackward", "dx")]
    [InlineData("Reparameterize", "head")]
    [InlineData("Reparameterize", "z")]
    [InlineData("Reparameterize", "eps")]
    [InlineData("Reparameterize", "kl")]
    [InlineData("Reparameterize", "counter")]
    [InlineData("ReparameterizeBackward", "dz")]
    [InlineData("ReparameterizeBackward", "head")]
    [InlineData("ReparameterizeBackward", "eps")]
    [InlineData("ReparameterizeBackward", "dHead")]
    [InlineData("ElboOutput", "h")]
    [InlineData("ElboOutput", "w")]
    [InlineData("ElboOutput", "b")]
    [InlineData("ElboOutput", "target")]
    [InlineData("ElboOutput", "nll")]
    [InlineData("ElboOutput", "dLogits")]
    [InlineData("AdamStep", "gradients")]
    [InlineData("AdamStep", "m")]
    [InlineData("AdamStep", "v")]
    [InlineData("AdamStep", "counter")]
    [InlineData("Reduce", "destination")]
    [InlineData("GatherRows", "indices")]
    [InlineData("GatherRows", "destination")]
    [InlineData("AdvanceCounter", "counter")]
    [InlineData("FinishStep", "kl")]
    [InlineData("FinishStep", "stepCounter")]
    [InlineData("FinishStep", "cursor")]
    [InlineData("Conv2dForward", "x")]
    [InlineData("Conv2dForward", "w")]
    [InlineData("Conv2dForward", "b")]
    [InlineData("Conv2dForward", "y")]
    [InlineData("Conv2dBackward", "dy")]
    [InlineData("Conv2dBackward", "x")]
    [InlineData("Conv2dBackward", "dw")]
    [InlineData("Conv2dBackward", "db")]
    [InlineData("Conv2dBackward", "dx")]
    [InlineData("ConvTranspose2dForward", "x")]
    [InlineData("ConvTranspose2dForward", "b")]
    [InlineData("ConvTranspose2dForward", "y")]
    [InlineData("ConvTranspose2dBackward", "dy")]
    [InlineData("ConvTranspose2dBackward", "x")]
    [InlineData("ConvTranspose2dBackward", "db")]
    [InlineData("ConvTranspose2dBackward", "dx")]
    [InlineData("ConvTranspose2dElboOutput", "h")]
    [InlineData("ConvTranspose2dElboOutput", "target")]
    [InlineData("ConvTranspose2dElboOutput", "nll")]
    [InlineData("ConvTranspose2dElboOutput", "dLogits")]
    public void AnyOp_given_an_operand_of_the_wrong_length_throws_naming_it(string op, string operand)
    {
        const int rows = 3, inFeatures = 5, outFeatures = 4, latent = 2;
        IAccelerator a = Accelerator;
        DeviceSpan<float> F(string name, int length) => Own(a.Allocate<float>(name == operand ? length + 1 : length)).All;
        DeviceSpan<uint> U(string name) => Own(a.Allocate<uint>(name == operand ? 2 : 1)).All;
        var clamp = new LogVarClamp(-5, 5);
        ConvShape conv = ConvShape.Conv2d(rows, 2, 6, 5, 3, 4, 2, 1);

        Action call = op switch
        {
            "LinearForward" => () => a.LinearForward(F("x", rows * inFeatures), F("w", outFeatures * inFeatures),
                F("b", outFeatures), F("y", rows * outFeatures), rows, inFeatures, outFeatures, Activation.Relu),
            "LinearBackward" => () => a.LinearBackward(F("dy", rows * outFeatures), F("x", rows * inFeatures),
                F("w", outFeatures * inFeatures), F("dw", outFeatures * inFeatures), F("db", outFeatures),
                F("dx", rows * inFeatures), rows, inFeatures, outFeatures, Activation.Relu),
            "Reparameterize" => () => a.Reparameterize(F("head", 2 * rows * latent), F("z", rows * latent),
                F("eps", rows * latent), F("kl", rows), rows, latent, clamp, new NoiseSource(1, 0), U("counter")),
            "ReparameterizeBackward" => () => a.ReparameterizeBackward(F("dz", rows * latent), F("head", 2 * rows * latent),
                F("eps", rows * latent), F("dHead", 2 * rows * latent), rows, latent, clamp, new KlWeight(1, 0), 1f, U("counter")),
            "ElboOutput" => () => a.ElboOutput(F("h", rows * inFeatures), F("w", outFeatures * inFeatures), F("b", outFeatures),
                F("target", rows * outFeatures), F("nll", rows), F("dLogits", rows * outFeatures), rows, inFeatures, outFeatures,
                Likelihood.Bernoulli, 1f),
            "AdamStep" => () => a.AdamStep(F("parameters", 10), F("gradients", 10), F("m", 10), F("v", 10),
                new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f), U("counter")),
            "Reduce" => () => a.Reduce(F("source", 10), F("destination", 1)),
            "GatherRows" => () => a.GatherRows(Own(a.Allocate<byte>(4 * inFeatures)).All,
                Own(a.Allocate<int>(operand == "indices" ? rows + 1 : rows)).All, F("destination", rows * inFeatures), rows, inFeatures),
            "AdvanceCounter" => () => a.AdvanceCounter(U("counter")),
            "FinishStep" => () => a.FinishStep(F("nll", rows), F("kl", rows), F("log", 8), U("stepCounter"), U("cursor")),
            "Conv2dForward" => () => a.Conv2dForward(F("x", conv.InputLength), F("w", conv.WeightCount), F("b", conv.OutChannels),
                F("y", conv.OutputLength), conv, Activation.Relu),
            "Conv2dBackward" => () => a.Conv2dBackward(F("dy", conv.OutputLength), F("x", conv.InputLength), F("w", conv.WeightCount),
                F("dw", conv.WeightCount), F("db", conv.OutChannels), F("dx", conv.InputLength), conv, Activation.Relu),
            "ConvTranspose2dForward" => () => a.ConvTranspose2dForward(F("x", conv.OutputLength), F("w", conv.WeightCount),
                F("b", conv.InChannels), F("y", conv.InputLength), conv, Activation.Relu),
            "ConvTranspose2dBackward" => () => a.ConvTranspose2dBackward(F("dy", conv.InputLength), F("x", conv.OutputLength),
                F("w", conv.WeightCount), F("dw", conv.WeightCount), F("db", conv.InChannels), F("dx", conv.OutputLength), conv, Activation.Relu),
            "ConvTranspose2dElboOutput" => () => a.ConvTranspose2dElboOutput(F("h", conv.OutputLength), F("w", conv.WeightCount),
                F("b", conv.InChannels), F("target", conv.InputLength), F("nll", rows), F("dLogits", conv.InputLength), conv,
                Likelihood.Bernoulli, 1f),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

        var exception = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Contains(op, exception.Message);
        Assert.Contains($" {operand} ", exception.Message);
    }

    [SuiteFact]
    public void AnyOp_rejects_an_operand_of_another_accelerator()
    {
        using var other = new VaeGpu.Accelerators.Cpu.CpuAccelerator(threads: 1);
        using DeviceBuffer<float> foreign = other.Allocate<float>(1);
        var exception = Assert.ThrowsAny<ArgumentException>(() => Accelerator.Reduce(Input([1f, 2f]), foreign));
        Assert.Contains("destination", exception.Message);
    }
}
