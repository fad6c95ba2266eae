namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU's ReparameterizeBackward over a range of rows: dμ = dz + w·μ and
/// dlogvar = dz·½σ·ε + w·½(σ² − 1) (zero where the clamp cut logvar), w the KL weight of the step
/// times the batch-mean scale; the element-wise arithmetic of the device kernel.
/// </summary>
internal readonly unsafe struct ReparameterizeBackwardRows(
    float* dz, float* head, float* eps, float* dHead, int latent, LogVarClamp clamp, float weight) : IRangeJob
{
    public void Run(int start, int end)
    {
        for (int r = start; r < end; r++)
        {
            for (int j = 0; j < latent; j++)
            {
                nint muIndex = (nint)2 * r * latent + j, logVarIndex = muIndex + latent, index = (nint)r * latent + j;
                float mu = head[muIndex];
                float rawLogVar = head[logVarIndex];
                dHead[muIndex] = dz[index] + weight * mu;
                if (!clamp.Passes(rawLogVar))
                {
                    dHead[logVarIndex] = 0f;
                    continue;
                }
                float variance = ExactMath.Exp(rawLogVar);
                float sigma = ExactMath.Exp(0.5f * rawLogVar);
                dHead[logVarIndex] = dz[index] * 0.5f * sigma * eps[index] + weight * 0.5f * (variance - 1f);
            }
        }
    }
}
