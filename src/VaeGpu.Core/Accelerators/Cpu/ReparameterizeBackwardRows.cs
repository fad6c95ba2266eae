using VaeGpu.Kernels;

namespace VaeGpu.Accelerators.Cpu;

/// <summary>
/// The CPU's ReparameterizeBackward over a range of rows: <see cref="ReparameterizeMath"/>'s dμ and
/// dlogvar per element, w the KL weight of the step times the batch-mean scale, as the device kernel.
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
                nint muIndex = (nint)2 * r * latent + j, index = (nint)r * latent + j;
                dHead[muIndex] = ReparameterizeMath.MuGradient(dz[index], head[muIndex], weight);
                dHead[muIndex + latent] = ReparameterizeMath.LogVarGradient(dz[index], head[muIndex + latent], eps[index], weight, clamp.Min, clamp.Max);
            }
        }
    }
}
