
namespace VaeGpu.Data;

/// <summary>
/// What an IDX file of one kind must look like: its magic number (two zero bytes, the element type
/// 0x08 = unsigned byte, the number of dimensions) and what each dimension means, for messages.
/// </summary>
internal sealed record IdxLayout(uint Magic, string[] DimensionNames, string Description)
{
    private const uint UnsignedByteType = 0x08;

    public void CheckMagic(uint found, string name)
    {
        if (found == Magic)
        {
            return;
        }

        // Same element type but another dimension count is most likely the other kind of IDX file
        // (labels given where images belong); say so instead of only printing two hex numbers.
        bool sameFamily = (found >> 8) == UnsignedByteType;
        if (sameFamily)
        {
            int foundDims = (int)(found & 0xFF);
            throw new UserInputException(
                $"{name}: IDX file with {foundDims} dimension{(foundDims == 1 ? "" : "s")} (magic 0x{found:X8}), expected {DimensionNames.Length} ({string.Join(", ", DimensionNames)}) as in {Description} (magic 0x{Magic:X8})");
        }
        throw new UserInputException($"{name}: wrong magic number 0x{found:X8}, expected 0x{Magic:X8} ({Description})");
    }

    public string Describe(int[] dims) => dims.Length switch
    {
        1 => $"{dims[0]} label{(dims[0] == 1 ? "" : "s")}",
        3 => $"{dims[0]} image{(dims[0] == 1 ? "" : "s")} of {dims[1]}×{dims[2]}",
        _ => string.Join("×", dims) + " values",
    };
}
