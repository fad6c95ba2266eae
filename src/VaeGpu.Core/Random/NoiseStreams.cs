namespace VaeGpu.Random;

// Here rather than beside NoiseSource in Accelerators/: the permutation (Random/) needs the shuffle
// stream, and Random/ importing Accelerators/ while Accelerators/ imports Random/ was a cycle.
/// <summary>Well-known Philox stream ids, so that no two uses of the seed draw the same numbers.</summary>
public static class NoiseStreams
{
    public const uint TrainNoise = 0;
    public const uint EvalNoise = 1;
    public const uint PriorSamples = 2;
    public const uint ParameterInit = 3;
    public const uint Shuffle = 4;
    public const uint ImportanceSamples = 5;
    public const uint DenoisingNoise = 6;
}

