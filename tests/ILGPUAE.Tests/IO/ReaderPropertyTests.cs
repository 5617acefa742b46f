namespace ILGPUAE.Tests.IO;

using System.Buffers.Binary;
using CsCheck;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.Data;

/// <summary>
/// Properties of the readers over generated inputs (CsCheck; a failure prints the seed and the shrunk input): what the writer
/// writes reads back bit for bit, a changed byte of tensor data is caught naming its tensor, and any truncated, changed or
/// random input either loads or throws <see cref="InputException"/> — never another exception.
/// </summary>
public class ReaderPropertyTests
{
    /// <summary>Samples per property: each writes and reads a small file, so the class runs in a few seconds.</summary>
    public const int Iterations = 150;

    // Names and metadata from printable BMP characters (no lone surrogates, which no UTF-8 file can hold), tensors of rank 0–3
    // with dimensions 0–4, and any float bits (NaN payloads, infinities, subnormals, −0).
    private static readonly Gen<string> Text = Gen.Char['\u0020', '\ud7ff'].Array[0, 12].Select(chars => new string(chars));
    private static readonly Gen<float> AnyFloat = Gen.UInt.Select(BitConverter.UInt32BitsToSingle);

    private static readonly Gen<NamedTensor[]> Tensors =
        Gen.Select(Text, Gen.Int[0, 4].Array[0, 3]).SelectMany((name, shape) =>
                AnyFloat.Array[shape.Aggregate(1, (a, b) => a * b)].Select(data => (Name: name, Shape: shape, Data: data)))
            .Array[0, 5]
            // A suffix keeps names unique; none can be "__metadata__".
            .Select(items => items.Select((t, i) => new NamedTensor($"{t.Name}#{i}", t.Shape, t.Data)).ToArray());

    private static readonly Gen<Dictionary<string, string>> Metadata =
        Gen.Select(Text, Text).Array[0, 4].Select(pairs => pairs
            .Where(p => !p.Item1.StartsWith(SafeTensorsFile.Sha256Prefix, StringComparison.Ordinal))
            .DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2));

    private static readonly Gen<SafeTensorsFile> Files = Gen.Select(Tensors, Metadata).Select((t, m) => new SafeTensorsFile(t, m));

    [Fact]
    public void SafeTensorsWriteThenReadRoundTripsEverything()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.safetensors");
        Files.Sample(file =>
        {
            file.Write(path);
            var read = SafeTensorsFile.Read(path);
            Assert.Equal(file.Tensors.Select(t => t.Name), read.Tensors.Select(t => t.Name));
            Assert.Equal(file.Tensors.Select(t => t.Shape), read.Tensors.Select(t => t.Shape));
            Assert.Equal(file.Tensors.Select(t => Bits(t.Data)), read.Tensors.Select(t => Bits(t.Data)));
            Assert.Equal(file.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal), read.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AnyChangedByteOfTensorDataIsCaughtNamingItsTensor()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.safetensors");
        var withData = Files.Where(f => f.Tensors.Any(t => t.Data.Length > 0));
        Gen.Select(withData, Gen.Int[0, int.MaxValue], Gen.Byte[1, 255]).Sample((file, where, flip) =>
        {
            file.Write(path);
            var bytes = File.ReadAllBytes(path);
            var start = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            var offset = where % (bytes.Length - start);
            bytes[start + offset] ^= flip;
            File.WriteAllBytes(path, bytes);

            // Tensors lie in list order from byte 0 of the buffer.
            var owner = file.Tensors.Where(t => t.Data.Length > 0)
                .Select((t, _) => t).First(t => (offset -= 4 * t.Data.Length) < 0);
            var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(path));
            Assert.StartsWith($"{path}: tensor '{owner.Name}' fails its SHA-256 check", error.Message);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AnyTruncatedChangedOrRandomSafeTensorsFileLoadsOrThrowsInputException()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.safetensors");
        Gen.Select(Files, Gen.Int[0, int.MaxValue], Gen.Byte, Gen.Byte.Array[0, 200]).Sample((file, where, value, random) =>
        {
            file.Write(path);
            var bytes = File.ReadAllBytes(path);
            var at = where % bytes.Length;
            LoadsOrRefuses(path, bytes[..at], p => SafeTensorsFile.Read(p));                  // truncated
            LoadsOrRefuses(path, [.. bytes[..at], value, .. bytes[(at + 1)..]], p => SafeTensorsFile.Read(p)); // one byte set
            LoadsOrRefuses(path, random, p => SafeTensorsFile.Read(p));                       // noise
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void IdxWriteThenReadRoundTripsAndAnyDamageLoadsOrThrowsInputException()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p-idx");
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 5], Gen.Int[0, 5], Gen.Bool, Gen.Int[0, int.MaxValue], Gen.Byte).Sample((count, rows, cols, gzip, where, value) =>
        {
            var pixels = Enumerable.Range(0, count * rows * cols).Select(i => (byte)(i * 31 + rows)).ToArray();
            var content = IdxFiles.Build(IdxReader.ImagesMagic, [count, rows, cols], pixels);
            var bytes = gzip ? IdxFiles.Gzip(content) : content;
            File.WriteAllBytes(path, bytes);
            var images = IdxReader.ReadImages(path);
            Assert.Equal((count, rows, cols), (images.Count, images.Rows, images.Cols));
            Assert.Equal(pixels, images.Pixels);

            var at = where % bytes.Length;
            LoadsOrRefuses(path, bytes[..at], p => IdxReader.ReadImages(p));
            LoadsOrRefuses(path, [.. bytes[..at], value, .. bytes[(at + 1)..]], p => IdxReader.ReadImages(p));
            LoadsOrRefuses(path, [.. bytes[..at], value, .. bytes[at..]], p => IdxReader.ReadLabels(p));
        }, iter: Iterations, threads: 1);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> and reads it: loading is fine, so is an InputException naming the file.</summary>
    private static void LoadsOrRefuses(string path, byte[] bytes, Func<string, object> read)
    {
        File.WriteAllBytes(path, bytes);
        try
        {
            read(path);
        }
        catch (InputException e)
        {
            Assert.StartsWith(path + ": ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
