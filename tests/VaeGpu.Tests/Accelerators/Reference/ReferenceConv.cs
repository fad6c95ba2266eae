using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Reference;

/// <summary>
/// Float64 references of the convolutions, written as direct convolutions (a loop over every input
/// pixel × weight connection), not through im2col, so they share no index arithmetic with the kernels.
/// Each result comes with Σ|terms| for the tolerances. Tensors are NHWC, weights [oc, kh, kw, c].
/// </summary>
public static class ReferenceConv
{
    /// <summary>A value and the sum of its terms' magnitudes, per element.</summary>
    public sealed record Sums(double[] Value, double[] Magnitude)
    {
        public Sums(int length) : this(new double[length], new double[length]) { }

        public void Add(int at, double term)
        {
            Value[at] += term;
            Magnitude[at] += Math.Abs(term);
        }
    }

    /// <summary>Every (large pixel, small pixel, tap) the convolution connects, padding excluded.</summary>
    private static IEnumerable<(int Large, int Small, int Tap)> Connections(ConvShape s)
    {
        for (int n = 0; n < s.Batch; n++)
        for (int oh = 0; oh < s.OutHeight; oh++)
        for (int ow = 0; ow < s.OutWidth; ow++)
        for (int kh = 0; kh < s.Kernel; kh++)
        for (int kw = 0; kw < s.Kernel; kw++)
        {
            int ih = oh * s.Stride - s.Padding + kh, iw = ow * s.Stride - s.Padding + kw;
            if (ih < 0 || ih >= s.InHeight || iw < 0 || iw >= s.InWidth) continue;
            yield return ((n * s.InHeight + ih) * s.InWidth + iw, (n * s.OutHeight + oh) * s.OutWidth + ow, kh * s.Kernel + kw);
        }
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();

    private static int Weight(ConvShape s, int oc, int tap, int c) => (oc * s.Kernel * s.Kernel + tap) * s.InChannels + c;

    /// <summary>Σ over connections of large[·, c] · w[oc, tap, c] into the small image's (pixel, oc).</summary>
    public static Sums LargeToSmall(float[] large, float[] w, ConvShape s) => LargeToSmall(Doubles(large), Doubles(w), s);

    public static Sums LargeToSmall(double[] large, double[] w, ConvShape s)
    {
        var sums = new Sums(s.OutputLength);
        foreach ((int l, int sm, int tap) in Connections(s))
            for (int oc = 0; oc < s.OutChannels; oc++)
                for (int c = 0; c < s.InChannels; c++)
                    sums.Add(sm * s.OutChannels + oc, large[l * s.InChannels + c] * w[Weight(s, oc, tap, c)]);
        return sums;
    }

    /// <summary>Σ over connections of small[·, oc] · w[oc, tap, c] into the large image's (pixel, c).</summary>
    public static Sums SmallToLarge(float[] small, float[] w, ConvShape s) => SmallToLarge(Doubles(small), Doubles(w), s);

    public static Sums SmallToLarge(double[] small, double[] w, ConvShape s)
    {
        var sums = new Sums(s.InputLength);
        foreach ((int l, int sm, int tap) in Connections(s))
            for (int oc = 0; oc < s.OutChannels; oc++)
                for (int c = 0; c < s.InChannels; c++)
                    sums.Add(l * s.InChannels + c, small[sm * s.OutChannels + oc] * w[Weight(s, oc, tap, c)]);
        return sums;
    }

    /// <summary>dw[oc, tap, c] = Σ over connections of small[·, oc] · large[·, c].</summary>
    public static Sums WeightGradient(float[] small, float[] large, ConvShape s)
    {
        var sums = new Sums(s.WeightCount);
        foreach ((int l, int sm, int tap) in Connections(s))
            for (int oc = 0; oc < s.OutChannels; oc++)
                for (int c = 0; c < s.InChannels; c++)
                    sums.Add(Weight(s, oc, tap, c), (double)small[sm * s.OutChannels + oc] * large[l * s.InChannels + c]);
        return sums;
    }

    /// <summary>Σ over pixels of g[pixel, channel].</summary>
    public static Sums ChannelSums(float[] g, int channels)
    {
        var sums = new Sums(channels);
        for (int i = 0; i < g.Length; i++) sums.Add(i % channels, g[i]);
        return sums;
    }
}
