using VaeGpu.Accelerators;

namespace VaeGpu.Tests.Accelerators;

/// <summary>SumShards (kernels/Ops/ShardSum.cs): the ordered sum of a data-parallel step's shard gradients.</summary>
public abstract partial class AcceleratorOpTests
{
    public static TheoryData<int, int> SumShardsCases
    {
        get
        {
            var data = new TheoryData<int, int>();
            // Lengths around the CPU's 8- and 16-lane loops and its 16384-element chunks, and the default model's parameters.
            foreach (int length in new[] { 1, 7, 8, 9, 15, 16, 17, 31, 33, 16385, 652_824 })
                foreach (int count in new[] { 1, 2, 3, 5 })
                    data.Add(length, count);
            return data;
        }
    }

    [SuiteTheory]
    [MemberData(nameof(SumShardsCases))]
    public void SumShards_adds_the_shards_left_to_right_in_shard_order(int length, int count)
    {
        var random = new System.Random(Seed(31, length, count, 0, 0));
        // Magnitudes that differ by shard, so that another order of the adds would round differently.
        float[] shards = new float[count * length];
        for (int s = 0; s < count; s++)
            RandomValues(random, length, Math.Pow(10, s % 3)).CopyTo(shards, s * length);
        DeviceSpan<float> sum = Output(length);
        Accelerator.SumShards(Input(shards), sum, count);
        float[] got = Read(sum);

        // Against float64 with a relative tolerance first, then bit for bit against the contract's order.
        AssertClose("sum", got, i => Enumerable.Range(0, count).Sum(s => (double)shards[s * length + i]),
            i => count * Eps32 * Enumerable.Range(0, count).Sum(s => Math.Abs((double)shards[s * length + i])) + Tiny);
        for (int i = 0; i < length; i++)
        {
            float expected = shards[i];
            for (int s = 1; s < count; s++) expected += shards[s * length + i];
            if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(got[i]))
                Assert.Fail($"sum[{i}] = {got[i]:R}, the left-to-right float sum is {expected:R}");
        }
    }

    [SuiteFact]
    public void SumShards_order_is_shard_order_not_any_other()
    {
        // 1 + 2⁻²⁴ + 2⁻²⁴ rounds to 1 left to right, to 1 + 2⁻²³ right to left: the op must give the first.
        float tiny = MathF.ScaleB(1f, -24);
        DeviceSpan<float> sum = Output(1);
        Accelerator.SumShards(Input([1f, tiny, tiny]), sum, 3);
        Assert.Equal(1f, Read(sum)[0]);
        Accelerator.SumShards(Input([tiny, tiny, 1f]), sum, 3);
        Assert.Equal(1f + MathF.ScaleB(1f, -23), Read(sum)[0]);
    }

    [SuiteTheory]
    [MemberData(nameof(NonFinite))]
    public void SumShards_carries_a_non_finite_shard_element_into_its_element_only(float bad)
    {
        const int length = 40, count = 3;
        var random = new System.Random(32);
        float[] shards = RandomValues(random, count * length, 1.0);
        shards[length + 17] = bad;
        DeviceSpan<float> sum = Output(length);
        Accelerator.SumShards(Input(shards), sum, count);
        float[] got = Read(sum);
        for (int i = 0; i < length; i++)
            Assert.True(i == 17 ? !float.IsFinite(got[i]) : float.IsFinite(got[i]), $"sum[{i}] = {got[i]}");
    }

    [SuiteFact]
    public void SumShards_refuses_shards_of_the_wrong_length_or_no_count()
    {
        DeviceSpan<float> sum = Output(4);
        var error = Assert.Throws<ArgumentException>(() => Accelerator.SumShards(Input(new float[7]), sum, 2));
        Assert.Contains("shards has 7 elements, expected 8", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Accelerator.SumShards(Input(new float[0]), sum, 0));
    }
}
