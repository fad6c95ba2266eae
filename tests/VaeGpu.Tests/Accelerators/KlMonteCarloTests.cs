using VaeGpu.Accelerators;
using VaeGpu.Accelerators.Cpu;
using VaeGpu.Random;

namespace VaeGpu.Tests.Accelerators;

/// <summary>
/// The closed-form KL(q ‖ N(0, I)) that Reparameterize returns against a Monte-Carlo estimate of
/// E_q[log q(z) − log p(z)] from the z it samples itself: many rows of the same (μ, logvar), over
/// several steps of the counter. Per sample, log q(z) − log p(z) = Σ_j (−½·lv_j − ½·ε_j² + ½·z_j²),
/// with ε_j = (z_j − μ_j)/σ_j. The estimate must lie within 5 standard errors (its sample standard
/// deviation / √N) of the closed form; the noise is deterministic (Philox), so the test is too.
/// </summary>
public sealed class KlMonteCarloTests
{
    [Theory]
    [InlineData(new float[] { 0f }, new float[] { 0f })]                       // KL = 0: q = p
    [InlineData(new float[] { 1.5f, -0.5f, 0f }, new float[] { 0f, -1f, 1f })]
    [InlineData(new float[] { 0.3f, -2f, 0.7f, 0f }, new float[] { -3f, 0.5f, -0.2f, 2f })]
    public void ClosedFormKlMatchesMonteCarlo(float[] mu, float[] logVar)
    {
        const int rows = 4096, steps = 8;
        int latent = mu.Length;
        var clamp = new LogVarClamp(-10f, 10f);
        using var accelerator = new CpuAccelerator();
        var head = new float[2 * rows * latent];
        for (int r = 0; r < rows; r++)
        {
            mu.CopyTo(head, 2 * r * latent);
            logVar.CopyTo(head, (2 * r + 1) * latent);
        }
        using DeviceBuffer<float> headBuffer = accelerator.Allocate<float>(head.Length);
        accelerator.Upload<float>(headBuffer, head);
        using DeviceBuffer<float> z = accelerator.Allocate<float>(rows * latent), eps = accelerator.Allocate<float>(rows * latent);
        using DeviceBuffer<float> kl = accelerator.Allocate<float>(rows);
        using DeviceBuffer<uint> counter = accelerator.Allocate<uint>(1);
        accelerator.Upload<uint>(counter, [100u]);

        double closedForm = 0;
        for (int j = 0; j < latent; j++)
            closedForm += -0.5 * (1 + logVar[j] - (double)mu[j] * mu[j] - Math.Exp(logVar[j]));

        double sum = 0, sumOfSquares = 0;
        var zHost = new float[rows * latent];
        var klHost = new float[rows];
        for (int step = 0; step < steps; step++)
        {
            accelerator.Reparameterize(headBuffer, z, eps, kl, rows, latent, clamp,
                new NoiseSource(0x5EED_0001UL, NoiseStreams.TrainNoise), counter);
            accelerator.AdvanceCounter(counter);
            accelerator.Download<float>(z, zHost);
            accelerator.Download<float>(kl, klHost);
            foreach (float value in klHost)
                Assert.True(Math.Abs(value - closedForm) <= 1e-5 * (1 + Math.Abs(closedForm)), $"kl {value}, closed form {closedForm}");
            for (int r = 0; r < rows; r++)
            {
                double sample = 0;
                for (int j = 0; j < latent; j++)
                {
                    double zj = zHost[r * latent + j], standardized = (zj - mu[j]) / Math.Exp(0.5 * logVar[j]);
                    sample += -0.5 * logVar[j] - 0.5 * standardized * standardized + 0.5 * zj * zj;
                }
                sum += sample;
                sumOfSquares += sample * sample;
            }
        }

        int n = rows * steps;
        double mean = sum / n;
        double variance = Math.Max(0, sumOfSquares / n - mean * mean);
        double standardError = Math.Sqrt(variance / n);
        // When q = p every sample is exactly 0 up to rounding: allow for that rounding.
        double tolerance = 5 * standardError + 1e-6 * (1 + Math.Abs(closedForm));
        Assert.True(Math.Abs(mean - closedForm) <= tolerance,
            $"Monte-Carlo KL {mean:G6} ± {standardError:G3} (standard error), closed form {closedForm:G6}");
    }
}
