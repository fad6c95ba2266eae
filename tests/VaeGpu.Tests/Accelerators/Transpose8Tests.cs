using VaeGpu.Accelerators.Cpu;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// The GEMM packs' transposes: every packed float is the source float's bits, at every k (below, at and past a multiple
/// of the 8-column step), and nothing is written outside the packed block (Rows6's overlapping stores stop inside it).
/// </summary>
public sealed unsafe class Transpose8Tests
{
    public static TheoryData<int> Lengths => new(1, 2, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 784, 785);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Rows6_packs_six_rows_k_major_and_writes_nothing_past_the_block(int k) => Check(6, k);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Rows_packs_eight_rows_k_major_and_writes_nothing_past_the_block(int k) => Check(8, k);

    private static void Check(int rows, int k)
    {
        var random = new System.Random(1000 * rows + k);
        int rowStride = k + 3; // rows not adjacent, and not aligned
        var source = new float[rows * rowStride + 8];
        for (int i = 0; i < source.Length; i++) source[i] = (float)(random.NextDouble() * 2 - 1);
        const int guard = 16;
        var destination = new float[rows * k + 2 * guard];
        Array.Fill(destination, float.NaN);

        fixed (float* from = source)
        fixed (float* to = destination)
        {
            if (rows == 6) Transpose8.Rows6(from + 1, rowStride, k, to + guard);
            else Transpose8.Rows(from + 1, rowStride, k, to + guard, 8);
        }

        for (int kk = 0; kk < k; kk++)
            for (int i = 0; i < rows; i++)
            {
                float expected = source[1 + i * rowStride + kk], actual = destination[guard + kk * rows + i];
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
                    Assert.Fail($"k = {k}: packed[{kk}, {i}] = {actual}, source row {i} column {kk} = {expected}");
            }
        for (int g = 0; g < guard; g++)
        {
            Assert.True(float.IsNaN(destination[g]), $"k = {k}: written {guard - g} floats before the block");
            Assert.True(float.IsNaN(destination[guard + rows * k + g]), $"k = {k}: written {g + 1} floats past the block");
        }
    }
}
