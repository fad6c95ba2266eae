namespace VaeGpu.Data.Tables;

/// <summary>
/// A table as read from a file, before it becomes an example set: the raw feature values (not yet
/// standardized), label and id text, and where each record sits in the file for messages.
/// </summary>
/// <param name="Features">Rows × Columns.Features.Length values, row-major.</param>
/// <param name="Places">Per record, how a message names it ("line 7", "row 5").</param>
public sealed record TableData(string File, TableColumns Columns, float[] Features, int Rows,
    string[]? Labels, string[]? Ids, string[] Places)
{
    public int Width => Columns.Features.Length;
}
