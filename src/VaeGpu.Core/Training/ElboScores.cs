namespace VaeGpu.Training;

/// <summary>Per-example −ELBO terms from one sampled z, in nats.</summary>
public sealed record ElboScores(double[] Recon, double[] Kl)
{
    public int Count => Recon.Length;

    public double Loss(int i) => Recon[i] + Kl[i];

    public double[] Losses() => Enumerable.Range(0, Count).Select(Loss).ToArray();
}
