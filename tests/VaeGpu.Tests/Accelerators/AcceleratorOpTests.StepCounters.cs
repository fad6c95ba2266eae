using VaeGpu.Accelerators;
using VaeGpu.Tests.Accelerators.Reference;
using VaeGpu.Random;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators;

/// <summary>FinishStep and AdvanceCounter (kernels/Ops/Reduce.cs): the device step counter and batch cursor.</summary>
public abstract partial class AcceleratorOpTests
{
    [SuiteTheory]
    [InlineData(1, 0u)]
    [InlineData(7, 2u)]
    [InlineData(129, 5u)]       // wraps: slot 5 mod 4 = 1
    [InlineData(1000, 4_000_000_003u)]
    public void FinishStep_writes_the_cursors_slot_and_advances_both_counters(int rows, uint cursor)
    {
        const int slots = 4;
        var random = new System.Random(Seed(15, rows, (int)(cursor % 1000), 0, 0));
        float[] nll = RandomValues(random, rows, 300.0), kl = RandomValues(random, rows, 20.0);
        float[] log = RandomValues(random, 2 * slots, 1.0);
        DeviceSpan<float> logSpan = Input(log);
        DeviceSpan<uint> step = Counter(41), cursorSpan = Counter(cursor);

        Accelerator.FinishStep(Input(nll), Input(kl), logSpan, step, cursorSpan);

        float[] got = Read(logSpan);
        int target = (int)(cursor % slots) * 2;
        var (reconSum, reconMagnitude) = ReferenceOps.Reduce(nll);
        var (klSum, klMagnitude) = ReferenceOps.Reduce(kl);
        for (int i = 0; i < got.Length; i++)
        {
            if (i == target) AssertElement("recon slot", i, got[i], reconSum, DotRtol(rows) * reconMagnitude + Tiny);
            else if (i == target + 1) AssertElement("KL slot", i, got[i], klSum, DotRtol(rows) * klMagnitude + Tiny);
            else Assert.Equal(log[i], got[i]);
        }
        Assert.Equal(42u, ReadCounter(step));
        Assert.Equal(cursor + 1, ReadCounter(cursorSpan));
    }

    [SuiteTheory]
    [InlineData(0u)]
    [InlineData(41u)]
    [InlineData(4_000_000_000u)]
    public void AdvanceCounter_increments_only_its_element(uint start)
    {
        DeviceBuffer<uint> buffer = Own(Accelerator.Allocate<uint>(3));
        Accelerator.Upload<uint>(buffer, [7u, start, 9u]);
        Accelerator.AdvanceCounter(buffer.Slice(1, 1));
        Accelerator.AdvanceCounter(buffer.Slice(1, 1));
        var values = new uint[3];
        Accelerator.Download<uint>(buffer, values);
        Assert.Equal([7u, start + 2, 9u], values);
    }
}
