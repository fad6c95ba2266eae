using VaeGpu.Accelerators;
using VaeGpu.Kernels;
using VaeGpu.Configuration;

namespace VaeGpu.Model;

/// <summary>
/// The shape of the VAE: an MLP encoder input → Hidden[0] → … → Hidden[^1] → (μ, logvar) of size
/// Latent each, and the mirrored decoder Latent → Hidden[^1] → … → Hidden[0] → input; or, with
/// <see cref="Conv"/>, a convolutional encoder and decoder around the same linear head (Hidden unused).
/// </summary>
public sealed record VaeArchitecture(
    int InputSize,
    IReadOnlyList<int> Hidden,
    int Latent,
    Activation Activation,
    Likelihood Likelihood,
    LogVarClamp LogVarClamp)
{
    /// <summary>The convolutional encoder and decoder; null for the MLP.</summary>
    public ConvSpec? Conv { get; init; }

    public bool Equals(VaeArchitecture? other) =>
        other is not null && InputSize == other.InputSize && Hidden.SequenceEqual(other.Hidden) &&
        Latent == other.Latent && Activation == other.Activation && Likelihood == other.Likelihood &&
        LogVarClamp == other.LogVarClamp && Equals(Conv, other.Conv);

    public override int GetHashCode() => HashCode.Combine(InputSize, Hidden.Count, Latent, Activation, Likelihood, LogVarClamp);

    public override string ToString() => Conv is { } conv
        ? $"{conv}, latent {Latent} {ActivationNames.ConfigName(Activation)} " +
          (Likelihood.LearnsSigma ? "gaussian (learned σ)" : Likelihood.Kind.ToString().ToLowerInvariant())
        : $"{InputSize}-{string.Join('-', Hidden)}-{Latent}-{string.Join('-', Hidden.Reverse())}-{InputSize} " +
        $"{ActivationNames.ConfigName(Activation)} " +
        (Likelihood.LearnsSigma ? "gaussian (learned σ)" : Likelihood.Kind.ToString().ToLowerInvariant());
}
