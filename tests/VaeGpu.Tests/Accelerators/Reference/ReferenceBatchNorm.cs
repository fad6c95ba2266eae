namespace VaeGpu.Tests.Accelerators.Reference;

/// <summary>
/// BatchNorm2d in float64 straight from its definition (PyTorch's): over y [rows × channels] (NHWC positions × channels),
/// mean and biased variance per channel, x̂ = (y − mean)/√(var + ε), out = γ·x̂ + β (before the activation); running
/// statistics moved by momentum with the unbiased variance; the backward of training mode from g = ∂L/∂out.
/// </summary>
public static class ReferenceBatchNorm
{
    public const double Momentum = 0.1, Epsilon = 1e-5;

    public sealed record Moments(double[] Mean, double[] Variance)
    {
        public double InverseStd(int c) => 1 / Math.Sqrt(Variance[c] + Epsilon);
    }

    /// <summary>The batch's mean and biased variance per channel (two passes).</summary>
    public static Moments BatchMoments(IReadOnlyList<float> y, int rows, int channels) => BatchMoments(y.Select(v => (double)v).ToArray(), rows, channels);

    public static Moments BatchMoments(double[] y, int rows, int channels)
    {
        var mean = new double[channels];
        var variance = new double[channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++) mean[c] += y[r * channels + c];
        for (int c = 0; c < channels; c++) mean[c] /= rows;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                double d = y[r * channels + c] - mean[c];
                variance[c] += d * d;
            }
        for (int c = 0; c < channels; c++) variance[c] /= rows;
        return new Moments(mean, variance);
    }

    /// <summary>γ·x̂ + β with the given statistics.</summary>
    public static double[] Normalize(double[] y, Moments moments, double[] gamma, double[] beta, int rows, int channels)
    {
        var output = new double[rows * channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                output[i] = gamma[c] * (y[i] - moments.Mean[c]) * moments.InverseStd(c) + beta[c];
            }
        return output;
    }

    /// <summary>The running [mean | variance] after one training step from <paramref name="running"/>.</summary>
    public static double[] UpdatedRunning(IReadOnlyList<float> running, Moments batch, int rows, int channels)
    {
        var updated = new double[2 * channels];
        for (int c = 0; c < channels; c++)
        {
            double unbiased = rows > 1 ? batch.Variance[c] * rows / (rows - 1) : batch.Variance[c];
            updated[c] = (1 - Momentum) * running[c] + Momentum * batch.Mean[c];
            updated[channels + c] = (1 - Momentum) * running[channels + c] + Momentum * unbiased;
        }
        return updated;
    }

    /// <summary>Training mode's gradients from g = ∂L/∂out: (dγ, dβ, dy).</summary>
    public static (double[] DGamma, double[] DBeta, double[] Dy) Backward(double[] g, double[] y, double[] gamma, int rows, int channels)
    {
        Moments moments = BatchMoments(y, rows, channels);
        var dGamma = new double[channels];
        var dBeta = new double[channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                dBeta[c] += g[i];
                dGamma[c] += g[i] * (y[i] - moments.Mean[c]) * moments.InverseStd(c);
            }
        var dy = new double[rows * channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < channels; c++)
            {
                int i = r * channels + c;
                double normalized = (y[i] - moments.Mean[c]) * moments.InverseStd(c);
                dy[i] = gamma[c] * moments.InverseStd(c) * (g[i] - dBeta[c] / rows - normalized * dGamma[c] / rows);
            }
        return (dGamma, dBeta, dy);
    }
}
