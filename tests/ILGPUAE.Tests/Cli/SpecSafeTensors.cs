namespace ILGPUAE.Tests.Cli;

using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

/// <summary>
/// A safetensors reader and writer written from the format's description, independent of
/// <see cref="ILGPUAE.IO.SafeTensorsFile"/>: an 8-byte little-endian u64 header length N, N bytes of UTF-8
/// JSON (name → {dtype, shape, data_offsets [begin, end)} relative to the byte buffer after the header,
/// plus an optional "__metadata__" string map), then the buffer. F32 only, little-endian.
/// </summary>
public sealed class SpecSafeTensors
{
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (int[] Shape, float[] Data)> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Tensor names in the order of their data offsets.</summary>
    public List<string> Order { get; } = [];

    public static SpecSafeTensors Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length >= 8, $"{path}: {bytes.Length} bytes, too short for the header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.True(headerLength <= (ulong)(bytes.Length - 8), $"{path}: header length {headerLength} exceeds the file");
        var bufferStart = 8 + (int)headerLength;
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));

        var file = new SpecSafeTensors();
        var ranges = new List<(string Name, long Begin)>();
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject())
                    file.Metadata[m.Name] = m.Value.GetString()!;
                continue;
            }
            Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            Assert.Equal(2, offsets.Length);
            var count = shape.Aggregate(1L, (a, d) => a * d);
            Assert.Equal(4 * count, offsets[1] - offsets[0]);
            Assert.True(bufferStart + offsets[1] <= bytes.Length, $"{path}: tensor {entry.Name} ends past the file");
            var data = new float[count];
            for (var i = 0; i < count; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(bufferStart + (int)offsets[0] + 4 * i, 4));
            file.Tensors[entry.Name] = (shape, data);
            ranges.Add((entry.Name, offsets[0]));
        }
        file.Order.AddRange(ranges.OrderBy(r => r.Begin).Select(r => r.Name));
        return file;
    }

    /// <summary>Writes the tensors in <see cref="Order"/>, header padded with spaces to a multiple of 8.</summary>
    public void Write(string path)
    {
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in Metadata)
                w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (var name in Order)
            {
                var (shape, data) = Tensors[name];
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (var d in shape)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + 4L * data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += 4L * data.Length;
            }
            w.WriteEndObject();
        }
        var header = json.ToArray().ToList();
        while ((8 + header.Count) % 8 != 0)
            header.Add((byte)' ');
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Count);
        file.Write(length);
        file.Write(header.ToArray());
        Span<byte> value = stackalloc byte[4];
        foreach (var name in Order)
            foreach (var f in Tensors[name].Data)
            {
                BinaryPrimitives.WriteSingleLittleEndian(value, f);
                file.Write(value);
            }
    }

    public float[] Data(string name, params int[] shape)
    {
        Assert.True(Tensors.TryGetValue(name, out var t), $"tensor {name} is missing; have {string.Join(", ", Tensors.Keys)}");
        Assert.Equal(shape, t.Shape);
        return t.Data;
    }
}
