using VaeGpu.Kernels;

namespace VaeGpu.Random;

/// <summary>
/// A sequential generator on the host, for parameter initialization and shuffling: it walks the
/// Philox blocks Philox(counter = (blockIndex, substream, stream, 0), key = seed) for blockIndex
/// = 0, 1, 2, ... So the numbers depend only on (seed, stream, substream) and on how many were
/// drawn before, never on the machine or on other generators. Not thread-safe.
/// </summary>
public sealed class PhiloxRandom
{
    private const int WordsPerBlock = 4;

    private readonly ulong _seed;
    private readonly uint _stream;
    private readonly uint _substream;
    private ulong _nextBlockIndex;
    private PhiloxBlock _block;
    private int _wordsUsed = WordsPerBlock;
    private float _spareNormal;
    private bool _hasSpareNormal;

    public PhiloxRandom(ulong seed, uint stream, uint substream)
    {
        _seed = seed;
        _stream = stream;
        _substream = substream;
    }

    public uint NextUInt32()
    {
        if (_wordsUsed == WordsPerBlock)
        {
            // The block index is the counter's 32-bit X word; 2^34 numbers per substream is far more
            // than initialization or shuffling draws, and wrapping around would silently repeat them.
            if (_nextBlockIndex > uint.MaxValue)
                throw new InvalidOperationException("Philox substream exhausted (2^34 numbers drawn)");
            _block = Philox.Compute(new PhiloxBlock((uint)_nextBlockIndex, _substream, _stream, 0), _seed);
            _nextBlockIndex++;
            _wordsUsed = 0;
        }

        return _wordsUsed++ switch
        {
            0 => _block.X,
            1 => _block.Y,
            2 => _block.Z,
            _ => _block.W,
        };
    }

    /// <summary>Uniform in (0, 1), never 0 or 1 (see <see cref="Philox.Uniform"/>).</summary>
    public float NextUniform() => Philox.Uniform(NextUInt32());

    /// <summary>Uniform in [lo, hi]; float rounding can reach either end when the range is wide.</summary>
    public float NextUniform(float lo, float hi)
    {
        if (!float.IsFinite(lo) || !float.IsFinite(hi) || lo > hi)
            throw new ArgumentException($"invalid uniform range [{lo}, {hi}]");
        return lo + (hi - lo) * NextUniform();
    }

    /// <summary>Standard normal, Box-Muller over two words; the second normal of each pair is kept for the next call.</summary>
    public float NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        uint radiusBits = NextUInt32();
        uint angleBits = NextUInt32();
        _spareNormal = Philox.BoxMuller(radiusBits, angleBits, sine: true);
        _hasSpareNormal = true;
        return Philox.BoxMuller(radiusBits, angleBits, sine: false);
    }

    /// <summary>
    /// Uniform in [0, maxExclusive) without modulo bias: Lemire's multiply-and-reject ("Fast random
    /// integer generation in an interval", 2019), which rejects only the 2^32 mod n low products
    /// that would make some results more likely than others.
    /// </summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        uint range = (uint)maxExclusive;
        ulong product = (ulong)NextUInt32() * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * range;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }
}
