namespace VaeGpu.Accelerators;

public enum LikelihoodKind
{
    /// <summary>p(x|z) = Π Bernoulli(sigmoid(logit)); NLL is binary cross-entropy from logits.</summary>
    Bernoulli = 0,
    /// <summary>p(x|z) = Π N(mean, σ²) with a fixed σ; the decoder output is the mean.</summary>
    Gaussian = 1,
    /// <summary>
    /// p(x|z) = Π_j N(mean_j, σ_j²) with σ_j = exp(logσ_j) learned per feature: logσ is a block of the
    /// model's parameters (VaeLayout.LogSigma), initialized to log Sigma and trained with the rest.
    /// </summary>
    GaussianLearned = 2,
}

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
