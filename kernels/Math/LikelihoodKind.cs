namespace VaeGpu.Kernels;

/// <summary>
/// The decoder's observation model: the one definition the host and the loss kernels share (the
/// kernels take it as the int code <see cref="PixelLoss"/> derives from it).
/// </summary>
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
