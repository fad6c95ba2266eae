using VaeGpu.Kernels;

namespace VaeGpu.Accelerators;

/// <summary>The decoder's observation model p(x|z).</summary>
public readonly record struct Likelihood(LikelihoodKind Kind, float Sigma)
{
    public static Likelihood Bernoulli => new(LikelihoodKind.Bernoulli, 1f);

    public static Likelihood Gaussian(float sigma) => new(LikelihoodKind.Gaussian, sigma);

    /// <summary>A Gaussian whose σ is learned per feature, starting from <paramref name="initialSigma"/>.</summary>
    public static Likelihood GaussianLearned(float initialSigma) => new(LikelihoodKind.GaussianLearned, initialSigma);

    /// <summary>Whether σ is a trained parameter per feature.</summary>
    public bool LearnsSigma => Kind == LikelihoodKind.GaussianLearned;

    /// <summary>The activation that turns decoder outputs into pixel means (for images).</summary>
    public Activation MeanActivation => Kind == LikelihoodKind.Bernoulli ? Activation.Sigmoid : Activation.Identity;
}
