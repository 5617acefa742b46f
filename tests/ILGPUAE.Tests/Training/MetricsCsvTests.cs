namespace ILGPUAE.Tests.Training;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.IO;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;

/// <summary>
/// metrics.csv beside metrics.json: for every kind of run, one row per epoch whose cells are the epoch's fields in metrics.json
/// (read here with JsonDocument, not through <see cref="MetricsCsv"/>), stable columns, and rows appended by a resumed run.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class MetricsCsvTests
{
    public sealed record Epoch(int Number, double Loss, double? Valid, string Note);

    public sealed record Flat(string Model, List<Epoch> Epochs);

    public sealed record Layer(int Phase, string Name, int Hidden, List<PhaseEpoch> Epochs);

    public sealed record PhaseEpoch(int Epoch, string Phase, double[] Extra);

    public sealed record Nested(string Model, int Other, List<Layer> Phases);

    [Fact]
    public void ColumnsComeFromTheRecordAndCellsFromItsJsonValues()
    {
        var metrics = new Flat("m", [new(1, 0.1, null, "plain"), new(2, 1.0 / 3, 2.5e-9, "a, \"quoted\" note")]);
        var lines = Lines(MetricsCsv.Format(metrics, DaeCheckpoint.Json));
        Assert.Equal(["number", "loss", "valid", "note"], lines[0]);
        Assert.Equal(["1", "0.1", "", "plain"], lines[1]);
        // Round-trip numbers: the cell parses back to the very double.
        Assert.Equal(1.0 / 3, double.Parse(lines[2][1], CultureInfo.InvariantCulture));
        Assert.Equal(2.5e-9, double.Parse(lines[2][2], CultureInfo.InvariantCulture));
        Assert.Equal("a, \"quoted\" note", lines[2][3]);
        // No epochs yet: the header alone, with the same columns.
        Assert.Equal([lines[0]], Lines(MetricsCsv.Format(new Flat("m", []), DaeCheckpoint.Json)));
    }

    [Fact]
    public void EpochsInsidePartsCarryThePartsFieldsNamedAfterThePart()
    {
        var metrics = new Nested("m", 7, [
            new(0, "layer 1", 30, [new(1, "layer 1", [1, 2]), new(2, "layer 1", [])]),
            new(1, "joint", 10, [new(3, "joint", [0.5])]),
        ]);
        var lines = Lines(MetricsCsv.Format(metrics, DaeCheckpoint.Json));
        // The part's own "phase" collides with the epoch's "phase" column: it becomes phase_number.
        Assert.Equal(["phase_number", "phase_name", "phase_hidden", "epoch", "phase", "extra"], lines[0]);
        Assert.Equal(["0", "layer 1", "30", "1", "layer 1", "[1,2]"], lines[1]);
        Assert.Equal(["0", "layer 1", "30", "2", "layer 1", "[]"], lines[2]);
        Assert.Equal(["1", "joint", "10", "3", "joint", "[0.5]"], lines[3]);
        Assert.Equal(4, lines.Count);
    }

    [Fact]
    public void ARecordWithoutEpochsIsAProgrammingError() =>
        Assert.Throws<InvalidOperationException>(() => MetricsCsv.Format(new { Model = "m" }, DaeCheckpoint.Json));

    public static TheoryData<string, string[]> Runs => new()
    {
        { "dae", ["train", "dae", "--accelerator", "host", "--hidden", "12", "--epochs", "2", "--train-limit", "150", "--test-limit", "40"] },
        { "pretrain", ["pretrain", "--accelerator", "host", "--hidden", "12,6", "--epochs", "2", "--train-limit", "150", "--test-limit", "40"] },
        { "finetune", ["finetune", "--accelerator", "host", "--init", "random", "--hidden", "12,6", "--mlp", "5", "--max-epochs", "2", "--patience", "0",
            "--train-limit", "150", "--test-limit", "40"] },
        { "deep", ["train", "deep", "--accelerator", "host", "--scheme", "uj", "--layers", "12,6", "--epochs", "1", "--joint-epochs", "1",
            "--train-limit", "150", "--valid-limit", "40", "--test-limit", "40"] },
        { "sparse", ["train", "sparse", "--accelerator", "host", "--hidden", "8", "--epochs", "3", "--train-limit", "150", "--valid-limit", "40", "--test-limit", "20"] },
        { "cae", ["train", "cae", "--accelerator", "host", "--epochs", "2", "--batch", "16", "--train-limit", "48", "--valid-limit", "16", "--test-limit", "16"] },
        { "anamo", ["train", "anamo", "--accelerator", "host", "--outer", "2", "--batch", "50", "--enc-iters", "2", "--dec-iters", "2"] },
        { "ga", ["train", "ga", "--accelerator", "host", "--dataset", "halves", "--hidden", "5", "--population", "8", "--batch", "20", "--epochs", "2",
            "--islands", "2", "--migration-interval", "2", "--memetic-steps", "1"] },
        { "classifier", ["train", "classifier", "--accelerator", "host", "--model", "cnn", "--labels", "40", "--epochs", "2", "--test-limit", "30"] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void EveryRunWritesItsEpochsAsCsvBesideItsJson(string kind, string[] args)
    {
        using var dir = new TempDirectory();
        var run = dir.File(kind);
        var result = InProcessCli.Run([.. args, "--out", run]);
        Assert.True(result.ExitCode == 0, result.ToString());
        AssertCsvMatchesJson(run);
    }

    [Fact]
    public void AResumedRunAppendsItsEpochsAndKeepsTheColumns()
    {
        using var dir = new TempDirectory();
        var run = dir.File("dae");
        string[] args = ["train", "dae", "--accelerator", "host", "--hidden", "12", "--train-limit", "150", "--test-limit", "40", "--out", run];
        Assert.Equal(0, InProcessCli.Run([.. args, "--epochs", "1"]).ExitCode);
        var first = Lines(File.ReadAllText(MetricsCsv.PathIn(run)));
        var resumed = InProcessCli.Run("train", "dae", "--resume", run, "--accelerator", "host", "--epochs", "3");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var after = Lines(File.ReadAllText(MetricsCsv.PathIn(run)));
        Assert.Equal(first[0], after[0]);
        Assert.Equal(first[1], after[1]);
        Assert.Equal(["1", "2", "3"], after.Skip(1).Select(l => l[0]));
        AssertCsvMatchesJson(run);
    }

    /// <summary>
    /// metrics.csv's rows are metrics.json's epochs in order (those of each layer or phase, in order, where the run has parts), its
    /// header holds every field of an epoch record, and each cell is the field's JSON value.
    /// </summary>
    private static void AssertCsvMatchesJson(string run)
    {
        var csvPath = MetricsCsv.PathIn(run);
        Assert.True(File.Exists(csvPath), $"{csvPath} is missing");
        var lines = Lines(File.ReadAllText(csvPath));
        using var json = JsonDocument.Parse(File.ReadAllText(MetricsFile.PathIn(run)));
        var root = json.RootElement;
        var epochs = new List<(JsonElement? Part, JsonElement Epoch)>();
        string? partName = null;
        if (root.TryGetProperty("epochs", out var flat))
            epochs.AddRange(flat.EnumerateArray().Select(e => ((JsonElement?)null, e)));
        else
            foreach (var name in new[] { "layers", "phases" })
                if (root.TryGetProperty(name, out var parts))
                {
                    partName = name.TrimEnd('s');
                    foreach (var part in parts.EnumerateArray())
                        epochs.AddRange(part.GetProperty("epochs").EnumerateArray().Select(e => ((JsonElement?)part, e)));
                }
        Assert.NotEmpty(epochs);
        Assert.Equal(epochs.Count, lines.Count - 1);
        var header = lines[0];
        Assert.Equal(header.Count, header.Distinct().Count());
        for (var i = 0; i < epochs.Count; i++)
        {
            var (part, epoch) = epochs[i];
            var row = lines[i + 1];
            Assert.Equal(header.Count, row.Count);
            var epochFields = epoch.EnumerateObject().ToList();
            Assert.All(epochFields, f => Assert.Contains(f.Name, header));
            foreach (var field in epochFields)
                Assert.Equal(Text(field.Value), row[header.IndexOf(field.Name)]);
            var written = epochFields.Select(f => f.Name).ToHashSet();
            if (part is { } p)
                foreach (var field in p.EnumerateObject().Where(f => f.Name != "epochs"))
                {
                    // Every scalar of the part is in the row under its prefixed name.
                    var column = field.Name == partName ? header.Contains($"{partName}_number") ? $"{partName}_number" : partName : $"{partName}_{field.Name}";
                    Assert.Equal(Text(field.Value), row[header.IndexOf(column)]);
                    written.Add(column);
                }
            // A column metrics.json leaves out for this epoch (a null it does not write) is an empty cell.
            for (var c = 0; c < header.Count; c++)
                if (!written.Contains(header[c]))
                    Assert.Equal("", row[c]);
        }
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        _ => JsonSerializer.Serialize(value),
    };

    private static List<List<string>> Lines(string csv)
    {
        Assert.EndsWith("\n", csv);
        return [.. csv[..^1].Split('\n').Select(line => CsvLine.Parse(line) ?? throw new Xunit.Sdk.XunitException($"unpaired quotes: {line}"))];
    }
}
