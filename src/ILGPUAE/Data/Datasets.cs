using System.Text.Json;
using System.Text.Json.Serialization;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>The datasets a run can name. Saved in a run's options as <see cref="DatasetInfo.Name"/> (<see cref="DatasetKindJsonConverter"/>).</summary>
[JsonConverter(typeof(DatasetKindJsonConverter))]
public enum DatasetKind
{
    /// <summary>The default: runs saved before datasets had names read back as MNIST.</summary>
    Mnist,
    FashionMnist,

    // The generated MNIST variations and shape sets (Larochelle et al. 2007); one of them is a dataset once its generator is listed in
    // Variations.VariationGenerators.All.
    Basic,
    Rot,
    BgRand,
    BgImg,
    BgImgRot,
    Rect,
    RectImg,
    Convex,

    // Shapes30 (issue 16): circles, triangles, rectangles and stars on 30×30.
    Shapes,

    /// <summary>The ANAMO note's 10×10 images with a brighter left half (<see cref="Variations.Halves"/>), made in memory.</summary>
    Halves,
}

/// <summary>What is known about a dataset before it is loaded.</summary>
/// <param name="Name">The name runs and `data fetch` use: <c>mnist</c>, <c>fashion-mnist</c>.</param>
/// <param name="DisplayName">How every output names it: <c>MNIST</c>, <c>Fashion-MNIST v2</c>, <c>bg-rand (generated)</c>.</param>
/// <param name="Shape">The shape of one example.</param>
/// <param name="Classes">Labels run from 0 to Classes − 1.</param>
public sealed record DatasetInfo(DatasetKind Kind, string Name, string DisplayName, ImageShape Shape, int Classes);

/// <summary>The registry of known datasets: their names, and one loader that returns any of them as <see cref="DatasetSplits"/>.</summary>
public static class Datasets
{
    private static readonly DatasetInfo[] Known =
    [
        new(DatasetKind.Mnist, "mnist", "MNIST", new ImageShape(1, Mnist.Side, Mnist.Side), 10),
        new(DatasetKind.FashionMnist, "fashion-mnist", FashionMnist.DisplayName, new ImageShape(1, FashionMnist.Side, FashionMnist.Side), FashionMnist.Classes),
        .. VariationGenerators.All.Select(g => new DatasetInfo(g.Kind, g.Generator.Name, GeneratedSets.DisplayName(g.Generator),
            new ImageShape(1, g.Generator.Side, g.Generator.Side), g.Generator.Classes)),
        new(DatasetKind.Halves, Halves.Name, "halves (generated, 10×10)", Halves.Shape, 1),
    ];

    public static IReadOnlyList<DatasetInfo> All => Known;

    /// <summary>The known names as a message lists them: "mnist or fashion-mnist".</summary>
    public static string ExpectedNames =>
        Known.Length == 1 ? Known[0].Name : $"{string.Join(", ", Known[..^1].Select(d => d.Name))} or {Known[^1].Name}";

    public static DatasetInfo Info(DatasetKind kind) =>
        Known.FirstOrDefault(d => d.Kind == kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a known dataset");

    /// <summary>The dataset whose <see cref="DatasetInfo.Name"/> is <paramref name="name"/>, ignoring case.</summary>
    public static bool TryParse(string? name, out DatasetKind kind)
    {
        var match = Known.FirstOrDefault(d => string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        kind = match?.Kind ?? default;
        return match is not null;
    }

    /// <summary>Where a dataset is cached when no data directory is given: <c>~/.cache/ilgpuae/NAME</c> (XDG_CACHE_HOME respected).</summary>
    public static string DefaultDataDir(DatasetKind kind) => NpmDataPackage.CacheDir(Info(kind).Name);

    /// <summary>
    /// The absolute data directory of <paramref name="kind"/>: <paramref name="dataDir"/>, or <see cref="DefaultDataDir"/> when null.
    /// An empty name, a regular file, or a directory whose entries cannot be listed (so a file in it could not be told from a
    /// missing one) is an <see cref="InputException"/> in one line; a directory that does not exist yet is fine (it is fetched into).
    /// </summary>
    public static string DataDirectory(DatasetKind kind, string? dataDir)
    {
        if (dataDir is not null && string.IsNullOrWhiteSpace(dataDir))
            throw InputException.AboutSetting("data_dir", $"data_dir '{dataDir}' is empty; expected a directory (or none, for {DefaultDataDir(kind)})");
        var directory = InputFile.FullPath(dataDir ?? DefaultDataDir(kind));
        if (File.Exists(directory))
            throw InputException.AboutSetting("data_dir", $"data_dir {directory} is a file; expected a directory");
        InputFile.RequireListableDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Loads <paramref name="kind"/> from <paramref name="dataDir"/> (null: <see cref="DefaultDataDir"/>), fetching
    /// missing files first (a generated set: making it, <see cref="GeneratedSets.Load"/>) and verifying every file; bad files
    /// throw <see cref="IO.InputException"/> naming the file.
    /// </summary>
    public static DatasetSplits Load(DatasetKind kind, string? dataDir, Action<string>? log)
    {
        return kind switch
        {
            DatasetKind.Mnist => Mnist.LoadSplits(dataDir, log),
            DatasetKind.FashionMnist => FashionMnist.Load(dataDir, log),
            DatasetKind.Halves => Halves.Load(Info(kind)),
            _ when VariationGenerators.Of(kind) is { } generator => GeneratedSets.Load(kind, generator, dataDir, log),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a known dataset"),
        };
    }
}

/// <summary>Writes a <see cref="DatasetKind"/> as its name ("fashion-mnist") and reads it back; an unknown name is a <see cref="JsonException"/>.</summary>
public sealed class DatasetKindJsonConverter : JsonConverter<DatasetKind>
{
    public override DatasetKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return Datasets.TryParse(name, out var kind)
            ? kind
            : throw new JsonException($"dataset is {(name is null ? reader.TokenType.ToString() : $"'{name}'")}, expected {Datasets.ExpectedNames}");
    }

    public override void Write(Utf8JsonWriter writer, DatasetKind value, JsonSerializerOptions options) => writer.WriteStringValue(Datasets.Info(value).Name);
}
