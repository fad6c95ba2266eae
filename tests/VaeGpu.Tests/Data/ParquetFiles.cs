using Parquet;
using Parquet.Schema;

namespace VaeGpu.Tests.Data;

/// <summary>Writes test Parquet files with Parquet.Net itself, one row group, from typed column arrays.</summary>
public static class ParquetFiles
{
    public static async Task WriteAsync(string path, params (DataField Field, Array Values)[] columns)
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        var schema = new ParquetSchema(columns.Select(c => (Field)c.Field).ToArray());
        await using FileStream stream = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancel);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        foreach ((DataField field, Array values) in columns)
        {
            Task write = values switch
            {
                double[] v => group.WriteAsync<double>(field, v, cancellationToken: cancel),
                float[] v => group.WriteAsync<float>(field, v, cancellationToken: cancel),
                int[] v => group.WriteAsync<int>(field, v, cancellationToken: cancel),
                long[] v => group.WriteAsync<long>(field, v, cancellationToken: cancel),
                double?[] v => group.WriteAsync<double>(field, v, cancellationToken: cancel),
                DateTime[] v => group.WriteAsync<DateTime>(field, v, cancellationToken: cancel),
                string[] v => group.WriteAsync(field, v),
                _ => throw new NotSupportedException(values.GetType().Name),
            };
            await write;
        }
    }
}
