namespace ILGPUAE.IO;

using System.Runtime.InteropServices;
using System.Text;

/// <summary>NumPy's .npy format, version 1.0, for a float32 matrix.</summary>
public static class NpyFile
{
    /// <summary>Writes values as a C-order [rows, columns] little-endian float32 array, atomically.</summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> values, int rows, int columns)
    {
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"{values.Length} values are not [{rows}, {columns}]", nameof(values));
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces so the data starts on a multiple of 64, ending in \n.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var bytes = new byte[total + values.Length * sizeof(float)];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = 1;
        bytes[7] = 0;
        BitConverter.TryWriteBytes(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        MemoryMarshal.AsBytes(values).CopyTo(bytes.AsSpan(total));
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
