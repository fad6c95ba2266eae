using VaeGpu.Accelerators;
using VaeGpu.Kernels;

namespace VaeGpu.Tests.Accelerators.Reference;

/// <summary>
/// The ground truth for every op of <see cref="IAccelerator"/>: straight loops in float64 over the
/// float32 inputs, written from the doc comments of the interface and nothing else. Each dot
/// product also returns its magnitude Σ|terms| (+ |bias|), which the tests scale into a tolerance.
/// </summary>
public static class ReferenceOps
{
    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.Identity => x,
        Activation.Relu => x > 0 ? x : 0,
        Activation.Tanh => Math.Tanh(x),
        Activation.LeakyRelu => x > 0 ? x : (double)Activations.LeakySlope * x,
        Activation.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>act'(pre-activation) written through the output y = act(pre).</summary>
    public static double DerivativeFromOutput(Activation activation, double y) => activation switch
    {
        Activation.Identity => 1,
        Activation.Relu => y > 0 ? 1 : 0,
        Activation.Tanh => 1 - y * y,
        Activation.LeakyRelu => y > 0 ? 1 : (double)Activations.LeakySlope,
        Activation.Sigmoid => y * (1 - y),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>pre[r, o] = Σ_i x[r, i]·w[o, i] + b[o]; y = act(pre).</summary>
    public static (double[] Y, double[] Pre, double[] Magnitude) LinearForward(float[] x, float[] w, float[] b,
        int rows, int inFeatures, int outFeatures, Activation activation)
    {
        var y = new double[rows * outFeatures];
        var pre = new double[rows * outFeatures];
        var magnitude = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b[o], abs = Math.Abs(b[o]);
                for (int i = 0; i < inFeatures; i++)
                {
                    double term = (double)x[r * inFeatures + i] * w[o * inFeatures + i];
                    sum += term;
                    abs += Math.Abs(term);
                }
                pre[r * outFeatures + o] = sum;
                magnitude[r * outFeatures + o] = abs;
                y[r * outFeatures + o] = Activate(activation, sum);
            }
        }
        return (y, pre, magnitude);
    }

    public sealed record BackwardResult(
        double[] Dw, double[] DwMagnitude, double[] Db, double[] DbMagnitude,
        double[] DxSum, double[] DxMagnitude, double[] Derivative, double[] Dx);

    /// <summary>
    /// dw[o, i] = Σ_r dy[r, o]·x[r, i]; db[o] = Σ_r dy[r, o]; dx[r, i] = (Σ_o dy[r, o]·w[o, i])·act'(x[r, i]),
    /// act' written through x, the output of the layer below.
    /// </summary>
    public static BackwardResult LinearBackward(float[] dy, float[] x, float[] w,
        int rows, int inFeatures, int outFeatures, Activation inputActivation)
    {
        var dw = new double[outFeatures * inFeatures];
        var dwMagnitude = new double[outFeatures * inFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0, abs = 0;
                for (int r = 0; r < rows; r++)
                {
                    double term = (double)dy[r * outFeatures + o] * x[r * inFeatures + i];
                    sum += term;
                    abs += Math.Abs(term);
                }
                dw[o * inFeatures + i] = sum;
                dwMagnitude[o * inFeatures + i] = abs;
            }
        }

        var db = new double[outFeatures];
        var dbMagnitude = new double[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int r = 0; r < rows; r++)
            {
                db[o] += dy[r * outFeatures + o];
                dbMagnitude[o] += Math.Abs(dy[r * outFeatures + o]);
            }
        }

        var dxSum = new double[rows * inFeatures];
        var dxMagnitude = new double[rows * inFeatures];
        var derivative = new double[rows * inFeatures];
        var dx = new double[rows * inFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0, abs = 0;
                for (int o = 0; o < outFeatures; o++)
                {
                    double term = (double)dy[r * outFeatures + o] * w[o * inFeatures + i];
                    sum += term;
                    abs += Math.Abs(term);
                }
                int index = r * inFeatures + i;
                dxSum[index] = sum;
                dxMagnitude[index] = abs;
                derivative[index] = DerivativeFromOutput(inputActivation, x[index]);
                dx[index] = sum * derivative[index];
            }
        }
        return new BackwardResult(dw, dwMagnitude, db, dbMagnitude, dxSum, dxMagnitude, derivative, dx);
    }

    /// <summary>The noise as the contract defines it: T · NoiseAt(seed, stream, step, (FirstRow + r)·latent + j).</summary>
    public static float[] Noise(NoiseSource noise, uint step, int rows, int latent)
    {
        var eps = new float[rows * latent];
        for (int e = 0; e < eps.Length; e++)
            eps[e] = noise.Temperature * VaeGpu.Random.PhiloxNormal.NoiseAt(noise.Seed, noise.Stream, step, noise.FirstRow * latent + e);
        return eps;
    }

    public static double Clamp(LogVarClamp clamp, double logVar) => Math.Min(Math.Max(logVar, clamp.Min), clamp.Max);

    /// <summary>z = μ + exp(½·clamp(lv))·eps; kl[r] = −½ Σ_j (1 + lv − μ² − exp(lv)), lv clamped.</summary>
    public static (double[] Z, double[] Kl, double[] KlMagnitude) Reparameterize(float[] head, float[] eps,
        int rows, int latent, LogVarClamp clamp)
    {
        var z = new double[rows * latent];
        var kl = new double[rows];
        var klMagnitude = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < latent; j++)
            {
                double mu = head[2 * r * latent + j];
                double logVar = Clamp(clamp, head[(2 * r + 1) * latent + j]);
                z[r * latent + j] = mu + Math.Exp(0.5 * logVar) * eps[r * latent + j];
                kl[r] += -0.5 * (1 + logVar - mu * mu - Math.Exp(logVar));
                klMagnitude[r] += 0.5 * (1 + Math.Abs(logVar) + mu * mu + Math.Exp(logVar));
            }
        }
        return (z, kl, klMagnitude);
    }

    /// <summary>w = β(step)·klScale; dμ = dz + w·μ; dlv = dz·½·exp(½·lv)·eps + w·½·(exp(lv) − 1) inside the clamp, else 0.</summary>
    public static double[] ReparameterizeBackward(float[] dz, float[] head, float[] eps, int rows, int latent,
        LogVarClamp clamp, KlWeight klWeight, float klScale, uint step)
    {
        double warmup = klWeight.WarmupSteps <= 0 ? 1 : Math.Min(1.0, (step + 1.0) / klWeight.WarmupSteps);
        double weight = (double)klWeight.Beta * warmup * klScale;
        var dHead = new double[2 * rows * latent];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < latent; j++)
            {
                int muIndex = 2 * r * latent + j, logVarIndex = muIndex + latent, index = r * latent + j;
                double mu = head[muIndex], logVar = head[logVarIndex];
                dHead[muIndex] = dz[index] + weight * mu;
                bool inside = logVar >= clamp.Min && logVar <= clamp.Max;
                dHead[logVarIndex] = inside
                    ? dz[index] * 0.5 * Math.Exp(0.5 * logVar) * eps[index] + weight * 0.5 * (Math.Exp(logVar) - 1)
                    : 0;
            }
        }
        return dHead;
    }

    /// <summary>
    /// The per-pixel NLL and its derivative by the logit. Bernoulli: BCE from logits,
    /// max(l, 0) − l·x + log(1 + e^−|l|), derivative sigmoid(l) − x. Gaussian with fixed σ:
    /// (l − x)²/(2σ²) + log σ + ½·log 2π, derivative (l − x)/σ².
    /// </summary>
    public static double Nll(Likelihood likelihood, double logit, double x, out double gradient)
    {
        if (likelihood.Kind == LikelihoodKind.Bernoulli)
        {
            double e = Math.Exp(-Math.Abs(logit));
            double sigmoid = logit >= 0 ? 1 / (1 + e) : e / (1 + e);
            gradient = sigmoid - x;
            // log(1 + e) ≈ e − e²/2 when e is so small that 1 + e rounds to 1 in double.
            double logOnePlus = e < 1e-8 ? e : Math.Log(1 + e);
            return Math.Max(logit, 0) - logit * x + logOnePlus;
        }
        double sigma = likelihood.Sigma;
        double difference = logit - x;
        gradient = difference / (sigma * sigma);
        return difference * difference / (2 * sigma * sigma) + Math.Log(sigma) + 0.5 * Math.Log(2 * Math.PI);
    }

    /// <summary>Gaussian NLL with σ = exp(logSigma): its gradients with respect to the mean and to logσ.</summary>
    public static double GaussianNll(double logSigma, double mean, double x, out double gradient, out double dLogSigma)
    {
        double variance = Math.Exp(2 * logSigma), difference = mean - x;
        gradient = difference / variance;
        dLogSigma = 1 - difference * difference / variance;
        return difference * difference / (2 * variance) + logSigma + 0.5 * Math.Log(2 * Math.PI);
    }

    public sealed record ElboResult(double[] Logits, double[] LogitMagnitude, double[] Nll, double[] DLogits);

    /// <summary>logits = h·wᵀ + b; nll[r] = Σ_j NLL(target | logit); dLogits = gradScale·∂nll/∂logit.</summary>
    public static ElboResult ElboOutput(float[] h, float[] w, float[] b, float[] target, int rows, int hidden,
        int outFeatures, Likelihood likelihood, float gradScale, float[]? logSigma = null)
    {
        var (logits, _, magnitude) = LinearForward(h, w, b, rows, hidden, outFeatures, Activation.Identity);
        var nll = new double[rows];
        var dLogits = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < outFeatures; j++)
            {
                int index = r * outFeatures + j;
                double gradient;
                nll[r] += logSigma is not null
                    ? GaussianNll(logSigma[j], logits[index], target[index], out gradient, out _)
                    : Nll(likelihood, logits[index], target[index], out gradient);
                dLogits[index] = gradScale * gradient;
            }
        }
        return new ElboResult(logits, magnitude, nll, dLogits);
    }

    /// <summary>
    /// One Adam step in PyTorch's formulation with t = counter + 1: m = β1·m + (1−β1)·g,
    /// v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
    /// </summary>
    public static (double[] P, double[] M, double[] V) AdamStep(float[] parameters, float[] gradients, float[] m,
        float[] v, AdamSettings adam, uint counter)
    {
        long t = counter + 1L;
        double beta1 = adam.Beta1, beta2 = adam.Beta2;
        double correction1 = 1 - Math.Pow(beta1, t), correction2 = 1 - Math.Pow(beta2, t);
        var p = new double[parameters.Length];
        var mOut = new double[parameters.Length];
        var vOut = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            double g = gradients[i];
            mOut[i] = beta1 * m[i] + (1 - beta1) * g;
            vOut[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double denominator = Math.Sqrt(vOut[i]) / Math.Sqrt(correction2) + adam.Epsilon;
            p[i] = parameters[i] - adam.LearningRate / correction1 * mOut[i] / denominator;
        }
        return (p, mOut, vOut);
    }

    public static (double Sum, double Magnitude) Reduce(float[] source)
    {
        double sum = 0, abs = 0;
        foreach (float value in source)
        {
            sum += value;
            abs += Math.Abs(value);
        }
        return (sum, abs);
    }

    /// <summary>destination[i, :] = images[indices[i], :] / 255.</summary>
    public static double[] GatherRows(byte[] images, int[] indices, int rows, int rowLength)
    {
        var destination = new double[rows * rowLength];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rowLength; j++)
                destination[i * rowLength + j] = images[indices[i] * rowLength + j] / 255.0;
        return destination;
    }
}
