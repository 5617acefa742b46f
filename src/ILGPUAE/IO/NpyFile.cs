namespace ILGPUAE.IO;

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

/// <summary>
/// NumPy's .npy format (version 1.0, little-endian, C order) for float32 and int32 arrays: how the bench harness hands the
/// equivalence check's inputs to a peer script and reads its results back, and how `probe svm` hands its codes to the
/// scikit-learn peer.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>A float32 array ('&lt;f4'), written atomically (<see cref="AtomicFile"/>).</summary>
    public static void Write(string path, ReadOnlySpan<float> values, params int[] shape) => Write(path, "<f4", MemoryMarshal.AsBytes(values), values.Length, shape);

    /// <summary>An int32 array ('&lt;i4'), written atomically.</summary>
    public static void Write(string path, ReadOnlySpan<int> values, params int[] shape) => Write(path, "<i4", MemoryMarshal.AsBytes(values), values.Length, shape);

    private static void Write(string path, string descr, ReadOnlySpan<byte> data, int count, int[] shape)
    {
        if (shape.Aggregate(1L, (a, d) => a * d) != count)
            throw new ArgumentException($"{path}: {count} values for shape ({string.Join(", ", shape)})");
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var bytes = new byte[total + data.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(10));
        data.CopyTo(bytes.AsSpan(total));
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>A float32, float64 or int32 array (converted to float64) and its shape.</summary>
    public static (double[] Values, int[] Shape) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an .npy file");
        var (headerLength, start) = bytes[6] == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10)
            : ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12);
        var header = Encoding.ASCII.GetString(bytes, start, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: Fortran order, expected C order");
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = bytes.AsSpan(start + headerLength);
        double[] values = descr switch
        {
            "<f4" => MemoryMarshal.Cast<byte, float>(data).ToArray().Select(v => (double)v).ToArray(),
            "<f8" => MemoryMarshal.Cast<byte, double>(data).ToArray(),
            "<i4" => MemoryMarshal.Cast<byte, int>(data).ToArray().Select(v => (double)v).ToArray(),
            _ => throw new InvalidDataException($"{path}: dtype {descr}, expected <f4, <f8 or <i4"),
        };
        return (values, shape);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
