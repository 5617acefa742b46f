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
}

/// <summary>
/// Reads a run directory's metrics.json: the one reader behind <c>--resume</c> (which knows the kind it wrote) and
/// <c>plot</c> (which tells the kind from the fields only that run writes).
/// </summary>
public static class MetricsFile
{
    private const string AnyRun = "the metrics.json that `train dae`, `pretrain` or `finetune` writes";

    public static string PathIn(string directory) => Path.Combine(directory, DaeCheckpoint.MetricsFileName);

    /// <summary>The run's metrics, or null when it left no metrics.json (or one holding JSON null); malformed JSON throws <see cref="InputException"/>.</summary>
    public static T? Read<T>(string directory, RunKind kind) where T : class
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), DaeCheckpoint.Json);
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid metrics JSON ({e.Message}); expected the file `{Verb(kind)}` writes");
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
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// Pretraining alone writes <c>layers</c>, fine-tuning alone <c>architecture</c>; `train dae` writes neither
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
            RunKind? kind = Has("layers", JsonValueKind.Array) ? RunKind.Pretrain
                : Has("architecture", JsonValueKind.String) && Has("epochs", JsonValueKind.Array) ? RunKind.Finetune
                : Has("epochs", JsonValueKind.Array) ? RunKind.TrainDae
                : null;
            if (kind is null || !Has("options", JsonValueKind.Object))
                throw new InputException($"{path}: unknown kind of run (no options object with an epochs or layers array); expected {AnyRun}");
            return kind.Value;
        }
    }
}
