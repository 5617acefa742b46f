namespace ILGPUAE.Training;

using System.Text.Json;
using ILGPUAE.IO;
using ILGPUAE.Training.Stacked;

/// <summary>The three runs that write a metrics.json, each with its own record.</summary>
public enum RunKind
{
    /// <summary><see cref="TrainingMetrics"/>.</summary>
    TrainDae,

    /// <summary><see cref="StackMetrics"/>.</summary>
    Pretrain,

    /// <summary><see cref="FinetuneMetrics"/>.</summary>
    Finetune,

    /// <summary><see cref="Deep.DeepMetrics"/>.</summary>
    TrainDeep,

    /// <summary><see cref="Cae.CaeMetrics"/>.</summary>
    TrainCae,

    /// <summary><see cref="Anamo.AnamoMetrics"/>.</summary>
    TrainAnamo,
    /// <summary><see cref="Sparse.SparseMetrics"/>.</summary>
    TrainSparse,

    /// <summary><see cref="Genetic.GaMetrics"/>.</summary>
    TrainGa,
}

/// <summary>
/// Reads a run directory's metrics.json: the one reader behind <c>--resume</c> (which knows the kind it wrote) and
/// <c>plot</c> (which tells the kind from the fields only that run writes).
/// </summary>
public static class MetricsFile
{
    private const string AnyRun = "the metrics.json that `train dae`, `train deep`, `train cae`, `train sparse`, `train anamo`, `train ga`, `pretrain` or `finetune` writes";

    public static string PathIn(string directory) => Path.Combine(directory, DaeCheckpoint.MetricsFileName);

    /// <summary>
    /// Stages <paramref name="metrics"/> in <paramref name="directory"/> as part of <paramref name="commit"/>: metrics.json and, beside it,
    /// metrics.csv (<see cref="MetricsCsv"/>), so the two always describe the same epochs.
    /// </summary>
    public static void Stage<T>(CheckpointCommit commit, string directory, T metrics) where T : notnull
    {
        commit.StageText(PathIn(directory), JsonSerializer.Serialize(metrics, DaeCheckpoint.Json));
        commit.StageText(MetricsCsv.PathIn(directory), MetricsCsv.Format(metrics, DaeCheckpoint.Json));
    }

    /// <summary>The run's metrics, or null when it left no metrics.json (or one holding JSON null); malformed JSON throws <see cref="InputException"/>.</summary>
    public static T? Read<T>(string directory, RunKind kind) where T : class
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
            return null;
        try
        {
            var text = File.ReadAllText(path);
            using (var document = JsonDocument.Parse(text))
                RequireNoNullRecords(document.RootElement, "", path, kind);
            return JsonSerializer.Deserialize<T>(text, DaeCheckpoint.Json);
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid metrics JSON ({e.Message}); expected the file `{Verb(kind)}` writes");
        }
    }

    /// <summary>The arrays of records every run writes; JSON null in their place would deserialize to a null list.</summary>
    private static readonly string[] RecordLists = ["epochs", "layers", "phases", "generations"];

    /// <summary>
    /// Refuses a null where the file holds records — an array element, or an <see cref="RecordLists"/> array itself — naming
    /// it by its JSON path ("layers[1]"): the deserializer accepts them, and every reader after it would fail on them.
    /// </summary>
    private static void RequireNoNullRecords(JsonElement element, string at, string path, RunKind kind)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var itemAt = $"{at}[{index++}]";
                    if (item.ValueKind == JsonValueKind.Null)
                        throw new InputException($"{path}: {itemAt} is null; expected a value, as in the file `{Verb(kind)}` writes");
                    RequireNoNullRecords(item, itemAt, path, kind);
                }
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var propertyAt = at.Length == 0 ? property.Name : $"{at}.{property.Name}";
                    if (property.Value.ValueKind == JsonValueKind.Null && RecordLists.Contains(property.Name))
                        throw new InputException($"{path}: {propertyAt} is null; expected an array, as in the file `{Verb(kind)}` writes");
                    RequireNoNullRecords(property.Value, propertyAt, path, kind);
                }
                break;
        }
    }

    /// <summary>
    /// The metrics of whichever run wrote <paramref name="directory"/>: a <see cref="TrainingMetrics"/>,
    /// <see cref="StackMetrics"/> or <see cref="FinetuneMetrics"/>. A missing directory or file, malformed JSON or
    /// a JSON object of no known run throws <see cref="InputException"/> naming the path.
    /// </summary>
    public static object ReadAny(string directory)
    {
        if (!Directory.Exists(directory))
            throw new InputException($"{directory}: no such directory; expected a run directory holding {AnyRun}");
        var path = PathIn(directory);
        if (!File.Exists(path))
            throw new InputException($"{path}: file not found; expected {AnyRun}");
        var kind = KindOf(path);
        object? metrics = kind switch
        {
            RunKind.TrainDae => Read<TrainingMetrics>(directory, kind),
            RunKind.Pretrain => Read<StackMetrics>(directory, kind),
            RunKind.Finetune => Read<FinetuneMetrics>(directory, kind),
            RunKind.TrainDeep => Read<Deep.DeepMetrics>(directory, kind),
            RunKind.TrainCae => Read<Cae.CaeMetrics>(directory, kind),
            RunKind.TrainSparse => Read<Sparse.SparseMetrics>(directory, kind),
            RunKind.TrainAnamo => Read<Anamo.AnamoMetrics>(directory, kind),
            RunKind.TrainGa => Read<Genetic.GaMetrics>(directory, kind),
            _ => null,
        };
        return metrics ?? throw new InvalidOperationException($"{path}: read as {kind} but deserialized to null");
    }

    /// <summary>The `ilgpuae` command that writes <paramref name="kind"/>'s metrics.json.</summary>
    public static string Verb(RunKind kind) => kind switch
    {
        RunKind.TrainDae => "train dae",
        RunKind.Pretrain => "pretrain",
        RunKind.Finetune => "finetune",
        RunKind.TrainDeep => "train deep",
        RunKind.TrainCae => "train cae",
        RunKind.TrainAnamo => "train anamo",
        RunKind.TrainSparse => "train sparse",
        RunKind.TrainGa => "train ga",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// `train anamo` alone writes <c>options.encoder_iterations</c>, `train deep` alone <c>phases</c>, pretraining alone <c>layers</c>, fine-tuning alone <c>architecture</c>; `train dae` writes neither
    /// but has <c>epochs</c>. Every kind also writes <c>options</c>.
    /// </summary>
    private static RunKind KindOf(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid JSON ({e.Message}); expected {AnyRun}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InputException($"{path}: is a JSON {root.ValueKind}; expected {AnyRun} (an object)");
            bool Has(string name, JsonValueKind valueKind) => root.TryGetProperty(name, out var v) && v.ValueKind == valueKind;
            // `train anamo`'s options alone hold encoder_iterations.
            var anamo = root.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("encoder_iterations", out var iterations) && iterations.ValueKind == JsonValueKind.Number;
            RunKind? kind = Has("generations", JsonValueKind.Array) && Has("epochs", JsonValueKind.Array) ? RunKind.TrainGa
                : Has("sparse_autoencoder", JsonValueKind.True) && Has("epochs", JsonValueKind.Array) ? RunKind.TrainSparse
                : anamo && Has("epochs", JsonValueKind.Array) ? RunKind.TrainAnamo
                : Has("phases", JsonValueKind.Array) ? RunKind.TrainDeep
                : Has("layers", JsonValueKind.Array) ? RunKind.Pretrain
                : Has("architecture", JsonValueKind.String) && Has("epochs", JsonValueKind.Array) ? RunKind.Finetune
                : Has("train_scored", JsonValueKind.Number) && Has("epochs", JsonValueKind.Array) ? RunKind.TrainCae
                : Has("epochs", JsonValueKind.Array) ? RunKind.TrainDae
                : null;
            if (kind is null || !Has("options", JsonValueKind.Object))
                throw new InputException($"{path}: unknown kind of run (no options object with an epochs or layers array); expected {AnyRun}");
            return kind.Value;
        }
    }
}
