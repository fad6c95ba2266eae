using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The one order in which every CPU path sums a row's per-element NLLs in double, so that the scalar,
/// AVX2 and AVX-512 loss paths (<see cref="ElboEpilogue"/>, <see cref="BernoulliLossVectors"/>) give the
/// same row sums bit for bit: the first 8·⌊n/8⌋ columns go to eight lanes by column mod 8, each lane
/// in column order; the lanes are then added 0 to 7, then the remaining columns in order. Eight
/// lanes is what a lane-wise accumulation of eight doubles gives: one Vector512&lt;double&gt; fed the low
/// then the high half of each 16 floats, or two Vector256&lt;double&gt; fed the halves of each 8 floats,
/// so the vector paths keep their speed and the scalar path mirrors them. (Summing the lanes with
/// Vector*.Sum would leave the order to the runtime.)
/// </summary>
internal unsafe struct RowNllSum
{
    public const int Lanes = 8;

    private fixed double _lanes[Lanes];

    /// <summary>The columns that go to the lanes; the rest are added after them, in order.</summary>
    public static int LaneColumns(int columns) => columns & ~(Lanes - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int column, double term) => _lanes[column & (Lanes - 1)] += term;

    /// <summary>Takes the eight lanes a vector path accumulated (lane k: its columns ≡ k mod 8, in order); the lanes must still be empty.</summary>
    public void Set(Vector512<double> lanes)
    {
        fixed (double* target = _lanes) lanes.Store(target);
    }

    /// <summary>As <see cref="Set(Vector512{double})"/>, for lanes 0–3 and 4–7 in two vectors.</summary>
    public void Set(Vector256<double> lanes0To3, Vector256<double> lanes4To7)
    {
        fixed (double* target = _lanes)
        {
            lanes0To3.Store(target);
            lanes4To7.Store(target + 4);
        }
    }

    /// <summary>The lanes added 0 to 7; the caller then adds the remaining columns in order.</summary>
    public readonly double Combine()
    {
        double sum = _lanes[0];
        for (int k = 1; k < Lanes; k++) sum += _lanes[k];
        return sum;
    }
}
