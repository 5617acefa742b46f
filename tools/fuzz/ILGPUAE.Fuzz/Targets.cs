namespace ILGPUAE.Fuzz;

using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// The fuzzed readers, shared by the AFL harness (Program.cs) and the test that replays the kept corpus in CI
/// (tests/ILGPUAE.Tests/IO/FuzzCorpusReplayTests.cs compiles this file). Each input is written to a file and read through the
/// reader's public entry point; the reader may accept it or throw <see cref="InputException"/>, which is swallowed here, and
/// any other exception escapes: that is a finding.
/// </summary>
public static class Targets
{
    public static readonly string[] Names = ["idx", "fashion", "safetensors", "amat"];

    /// <summary>The reader <paramref name="name"/>, reading each input from a file in <paramref name="work"/>.</summary>
    public static Action<byte[]> Reader(string name, string work)
    {
        switch (name)
        {
            case "idx":
            {
                var path = Path.Combine(work, "input-idx");
                return input =>
                {
                    File.WriteAllBytes(path, input);
                    Accept(() => IdxReader.ReadImages(path));
                    Accept(() => IdxReader.ReadLabels(path));
                };
            }
            case "fashion":
            {
                // The input is class 0's file; classes 1–9 hold one test and one train image each.
                for (var c = 1; c < 10; c++)
                    File.WriteAllText(Path.Combine(work, $"{c}.json"), ValidFashion(2));
                var path = Path.Combine(work, "0.json");
                return input =>
                {
                    File.WriteAllBytes(path, input);
                    // Accepting unverified files: the checksum would refuse every input before the parser saw it.
                    Accept(() => FashionMnist.Read(work, testPerClass: 1, acceptUnverified: true, log: null));
                };
            }
            case "safetensors":
            {
                var path = Path.Combine(work, "input.safetensors");
                return input =>
                {
                    File.WriteAllBytes(path, input);
                    // The file's own reader, then the metadata readers of each checkpoint kind on top of it.
                    Accept(() => SafeTensorsFile.Read(path));
                    Accept(() => DaeCheckpoint.ReadModel(path));
                    Accept(() => StackFile.Read(path));
                    Accept(() => ClassifierCheckpoint.ReadModel(path));
                };
            }
            case "amat":
            {
                var path = Path.Combine(work, "input.amat");
                return input =>
                {
                    File.WriteAllBytes(path, input);
                    // Any row count, ten classes; then the published layout of rect (1000 + 200 rows, two classes).
                    Accept(() => AmatReader.Read(path, "fuzz", classes: 10));
                    Accept(() => AmatReader.ReadTrainFile(path, new Data.Variations.RectanglesGenerator()));
                };
            }
            default:
                throw new ArgumentException($"unknown reader '{name}'; expected idx, fashion, safetensors or amat");
        }
    }

    /// <summary>Runs <paramref name="read"/>; an <see cref="InputException"/> is the reader refusing the input, which is fine.</summary>
    private static void Accept(Func<object> read)
    {
        try
        {
            read();
        }
        catch (InputException)
        {
            // The one way a reader may refuse its input.
        }
    }

    public static IEnumerable<(string Name, byte[] Bytes)> Seeds(string reader)
    {
        switch (reader)
        {
            case "idx":
                yield return ("images", Idx(0x00000803, [2, 2, 3], 12));
                yield return ("labels", Idx(0x00000801, [3], 3));
                yield return ("images.gz", Gzip(Idx(0x00000803, [1, 2, 2], 4)));
                yield return ("labels.gz", Gzip(Idx(0x00000801, [4], 4)));
                break;
            case "fashion":
                yield return ("two", System.Text.Encoding.UTF8.GetBytes(ValidFashion(2)));
                yield return ("empty-entry", System.Text.Encoding.UTF8.GetBytes("{\"data\":[[],[" + string.Join(',', Enumerable.Range(0, 784).Select(i => i % 256)) + "],[]]}"));
                break;
            case "safetensors":
                using (var dir = new SeedDirectory())
                {
                    new SafeTensorsFile([new NamedTensor("w", [2, 1], [1f, -2f]), new NamedTensor("b", [1], [0.5f])],
                        new Dictionary<string, string> { ["k"] = "v" }).Write(dir.File("plain"));
                    yield return ("plain", File.ReadAllBytes(dir.File("plain")));
                    var options = new DaeOptions { Hidden = 2, Epochs = 1 };
                    new SafeTensorsFile(
                        [new NamedTensor("W", [2, 3], new float[6]), new NamedTensor("b_hidden", [2], new float[2]), new NamedTensor("b_visible", [3], new float[3])],
                        new Dictionary<string, string>
                        {
                            [DaeCheckpoint.FormatKey] = DaeCheckpoint.Format,
                            [DaeCheckpoint.OptionsKey] = System.Text.Json.JsonSerializer.Serialize(options, DaeCheckpoint.Json),
                            [DaeCheckpoint.EpochsKey] = "1",
                        }).Write(dir.File("dae"));
                    yield return ("dae", File.ReadAllBytes(dir.File("dae")));
                    var stack = new StackOptions { Hidden = [2], Corruption = [0.1f], Epochs = 1 };
                    new StackFile(stack, 3, []).Write(dir.Path);
                    yield return ("stack", File.ReadAllBytes(Path.Combine(dir.Path, StackFile.FileName)));
                }
                break;
            case "amat":
                yield return ("two-rows", System.Text.Encoding.ASCII.GetBytes(ValidAmat(2, "\n")));
                yield return ("crlf-scientific", System.Text.Encoding.ASCII.GetBytes(ValidAmat(1, "\r\n", scientific: true)));
                break;
            default:
                throw new ArgumentException($"unknown reader '{reader}'");
        }
    }

    public static string ValidFashion(int entries) =>
        "{\"data\":[" + string.Join(',', Enumerable.Range(0, entries).Select(e => "[" + string.Join(',', Enumerable.Range(0, 784).Select(i => (i * 7 + e) % 256)) + "]")) + "]}";

    /// <summary>An .amat file of <paramref name="rows"/> lines: 784 pixels then a label, in "0.5" or "5.000000e-01" style.</summary>
    public static string ValidAmat(int rows, string lineEnd, bool scientific = false) =>
        string.Concat(Enumerable.Range(0, rows).Select(r => string.Join(' ', Enumerable.Range(0, 785).Select(i =>
        {
            var value = i == 784 ? r % 2 : (i * 3 + r) % 5 / 4.0;
            return value.ToString(scientific ? "0.000000e+00" : "0.##", System.Globalization.CultureInfo.InvariantCulture);
        })) + lineEnd));

    private static byte[] Idx(uint magic, int[] sizes, int dataBytes)
    {
        var bytes = new byte[4 + 4 * sizes.Length + dataBytes];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (var i = 0; i < sizes.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), sizes[i]);
        for (var i = 0; i < dataBytes; i++)
            bytes[4 + 4 * sizes.Length + i] = (byte)(i * 37);
        return bytes;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal))
            gzip.Write(content);
        return output.ToArray();
    }

    private sealed class SeedDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ilgpuae-seeds-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
