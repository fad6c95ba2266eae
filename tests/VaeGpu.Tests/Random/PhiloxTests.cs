using VaeGpu.Kernels;
using VaeGpu.Random;

namespace VaeGpu.Tests.Random;

/// <summary>Known-answer vectors from Random123's kat_vectors for philox4x32_10.</summary>
public class PhiloxTests
{
    [Fact]
    public void ZeroCounterAndKey()
    {
        PhiloxBlock result = Philox.Compute(new PhiloxBlock(0, 0, 0, 0), 0u, 0u);
        Assert.Equal(new PhiloxBlock(0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8), result);
    }

    [Fact]
    public void AllOnesCounterAndKey()
    {
        PhiloxBlock result = Philox.Compute(
            new PhiloxBlock(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), 0xffffffffu, 0xffffffffu);
        Assert.Equal(new PhiloxBlock(0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd), result);
    }

    [Fact]
    public void PiDigitsCounterAndKey()
    {
        PhiloxBlock result = Philox.Compute(
            new PhiloxBlock(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), 0xa4093822u, 0x299f31d0u);
        Assert.Equal(new PhiloxBlock(0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1), result);
    }

    [Fact]
    public void SeedSplitsIntoLowKey0AndHighKey1()
    {
        var counter = new PhiloxBlock(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344);
        Assert.Equal(Philox.Compute(counter, 0xa4093822u, 0x299f31d0u),
            Philox.Compute(counter, 0x299f31d0_a4093822UL));
    }
}
