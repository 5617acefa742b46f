namespace ILGPUAE.Training.Labels;

using System.Diagnostics;
using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training.Cae;
using ILGPUAE.Training.Sweeps;

/// <summary>The five models of Barletta and De Benedetti's label sweep; each classifies MNIST.</summary>
public enum SweepModel
{
    /// <summary>The convolutional autoencoder's encoder, pretrained on MNIST, frozen, + softmax.</summary>
    AeMnist,

    /// <summary>The sparse convolutional autoencoder's encoder (λ‖w‖₁), pretrained on MNIST, frozen, + softmax.</summary>
    SparseAeMnist,

    /// <summary>The sparse convolutional autoencoder's encoder pretrained on Fashion-MNIST v2, frozen, + softmax.</summary>
    SparseAeFashion,

    /// <summary>The same encoder at random weights, frozen, + softmax.</summary>
    Random,

    /// <summary>The small CNN trained from scratch.</summary>
    Cnn,
}

/// <summary>Names of <see cref="SweepModel"/>s as options, rows and pictures write them.</summary>
public static class SweepModels
{
    public static readonly SweepModel[] All = Enum.GetValues<SweepModel>();

    public static string Name(SweepModel model) => model switch
    {
        SweepModel.AeMnist => "ae-mnist",
        SweepModel.SparseAeMnist => "sparse-ae-mnist",
        SweepModel.SparseAeFashion => "sparse-ae-fashion",
        SweepModel.Random => "random",
        _ => "cnn",
    };

    public static string Display(SweepModel model) => model switch
    {
        SweepModel.AeMnist => "AE pretrained on MNIST",
        SweepModel.SparseAeMnist => "sparse AE pretrained on MNIST",
        SweepModel.SparseAeFashion => "sparse AE pretrained on Fashion-MNIST v2",
        SweepModel.Random => "random encoder",
        _ => "CNN from scratch",
    };

    /// <summary>The model named <paramref name="text"/>; anything else is an <see cref="InputException"/> about <paramref name="setting"/>.</summary>
    public static SweepModel Parse(string text, string setting) =>
        All.Cast<SweepModel?>().FirstOrDefault(m => Name(m!.Value) == text.Trim().ToLowerInvariant())
        ?? throw InputException.ForSetting(setting, text, $"one of {string.Join(", ", All.Select(Name))}");

    /// <summary>The classifier that trains on top: the CNN, a frozen random encoder, or a frozen pretrained one.</summary>
    public static LabelModel Classifier(SweepModel model) =>
        model switch { SweepModel.Cnn => LabelModel.Cnn, SweepModel.Random => LabelModel.Random, _ => LabelModel.Frozen };

    /// <summary>The pretraining of a pretrained model's encoder (`train cae`'s defaults otherwise), or null for the CNN and the random encoder.</summary>
    public static CaeOptions? Pretraining(SweepModel model, int epochs, int? trainLimit) => model switch
    {
        SweepModel.AeMnist => new CaeOptions { Dataset = DatasetKind.Mnist, Epochs = epochs, TrainLimit = trainLimit },
        SweepModel.SparseAeMnist => new CaeOptions { Dataset = DatasetKind.Mnist, WeightL1 = CaeOptions.SparseWeightL1, Epochs = epochs, TrainLimit = trainLimit },
        SweepModel.SparseAeFashion => new CaeOptions { Dataset = DatasetKind.FashionMnist, WeightL1 = CaeOptions.SparseWeightL1, Epochs = epochs, TrainLimit = trainLimit },
        _ => null,
    };
}

/// <summary>
/// `sweep labels`: issue 15's question — can pretraining on unlabelled images make up for few labels? — as one grid: for every
/// labelled-set size (<see cref="SizeList"/>), seed (<see cref="Repeats"/> of them from <see cref="Seed"/>) and model
/// (<see cref="Models"/>), a `train classifier` run of <see cref="Epochs"/> epochs at <see cref="Batch"/> on MNIST, scored on the
/// study's fixed test set (the first <see cref="FixedTest"/> test images) and on the whole test set. The pretrained encoders are
/// trained once per sweep (`train cae`, <see cref="PretrainEpochs"/> epochs) and shared by every size and seed.
/// </summary>
public sealed record LabelSweepOptions
{
    public int MinLabels { get; init; } = 160;
    public int MaxLabels { get; init; } = 8000;

    /// <summary>Sizes from <see cref="MinLabels"/> to <see cref="MaxLabels"/> in equal steps (the study's 50: 160, 320, …, 8000).</summary>
    public int Sizes { get; init; } = 50;

    /// <summary>Runs per model and size, with seeds <see cref="Seed"/>, <see cref="Seed"/> + 1, …</summary>
    public int Repeats { get; init; } = 3;

    public ulong Seed { get; init; } = 1;

    public IReadOnlyList<SweepModel> Models { get; init; } = SweepModels.All;

    public int Epochs { get; init; } = 100;
    public int Batch { get; init; } = 16;

    /// <summary>Epochs of each encoder's pretraining (`train cae`'s default).</summary>
    public int PretrainEpochs { get; init; } = 10;

    /// <summary>Pretrain on the first N of the 59000 training images (default all).</summary>
    public int? PretrainLimit { get; init; }

    /// <summary>The study's fixed test set: here the first N test images (the study does not say which 350; ours is this prefix).</summary>
    public int FixedTest { get; init; } = 350;

    /// <summary>The CNN with the text's second max-pool.</summary>
    public bool SecondPool { get; init; }

    /// <summary>The model and size whose confusion matrix is drawn (the study's Fig. 5: the sparse AE on MNIST at 480 labels).</summary>
    public SweepModel ConfusionModel { get; init; } = SweepModel.SparseAeMnist;

    public int ConfusionLabels { get; init; } = 480;

    /// <summary>CI's form: sizes 160, 320, 480, two seeds, 2 epochs, encoders pretrained 1 epoch on 2000 images.</summary>
    public static LabelSweepOptions Quick => new() { MaxLabels = 480, Sizes = 3, Repeats = 2, Epochs = 2, PretrainEpochs = 1, PretrainLimit = 2000 };

    /// <summary>The labelled-set sizes: <see cref="Sizes"/> values from <see cref="MinLabels"/> to <see cref="MaxLabels"/>, equally spaced, rounded.</summary>
    public int[] SizeList() => Sizes == 1
        ? [MinLabels]
        : [.. Enumerable.Range(0, Sizes).Select(i => (int)Math.Round(MinLabels + (double)i * (MaxLabels - MinLabels) / (Sizes - 1), MidpointRounding.AwayFromZero)).Distinct()];

    public ulong[] Seeds() => [.. Enumerable.Range(0, Repeats).Select(i => Seed + (ulong)i)];

    /// <summary>
    /// What every row of the sweep shares, recorded in each: a rows file of other settings is refused on resume and on import, so
    /// that one file never mixes runs of different setups. The pretraining's own settings are its encoders' (their metrics.json).
    /// </summary>
    public string Settings() =>
        $"epochs={Epochs} batch={Batch} pretrain_epochs={PretrainEpochs} pretrain_limit={PretrainLimit?.ToString(CultureInfo.InvariantCulture) ?? "all"} " +
        $"fixed_test={FixedTest} second_pool={(SecondPool ? "true" : "false")}";

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate(int trainCount)
    {
        Require(MinLabels >= 1, "min_labels", MinLabels, "an integer ≥ 1");
        Require(MaxLabels >= MinLabels, "max_labels", MaxLabels, $"an integer ≥ min_labels ({MinLabels})");
        Require(MaxLabels <= trainCount, "max_labels", MaxLabels, $"at most the {trainCount} labelled training images");
        Require(Sizes >= 1 && (Sizes == 1 || Sizes <= MaxLabels - MinLabels + 1), "sizes", Sizes, $"an integer from 1 to {MaxLabels - MinLabels + 1} (max_labels − min_labels + 1)");
        Require(Repeats >= 1, "repeats", Repeats, "an integer ≥ 1");
        Require(Models.Count >= 1 && Models.Distinct().Count() == Models.Count && Models.All(Enum.IsDefined), "models", string.Join(",", Models.Select(SweepModels.Name)),
            $"one or more distinct of {string.Join(", ", SweepModels.All.Select(SweepModels.Name))}");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(PretrainEpochs >= 1, "pretrain_epochs", PretrainEpochs, "an integer ≥ 1");
        Require(PretrainLimit is null or >= 1, "pretrain_limit", PretrainLimit, "an integer ≥ 1");
        Require(FixedTest >= 1, "fixed_test", FixedTest, "an integer ≥ 1");
        Require(ConfusionLabels >= 1, "confusion_labels", ConfusionLabels, "an integer ≥ 1");
    }

    private static void Require(bool ok, string setting, object? value, string expected)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected);
    }
}

/// <summary>One classifier run of the sweep: its model, labelled-set size and seed (the seed of its subset, initial weights, order and dropout).</summary>
public readonly record struct LabelRunKey(SweepModel Model, int Labels, ulong Seed)
{
    public override string ToString() => $"{SweepModels.Name(Model)} at {Labels} labels, seed {Seed}";
}

/// <summary>
/// A finished run: correct answers on the fixed test set and on the whole one, each epoch's mean training loss, the confusion matrix
/// on the whole test set [true][predicted] and its seconds.
/// </summary>
public sealed record LabelSweepRow(LabelRunKey Key, string Settings, int FixedCorrect, int FixedCount, int TestCorrect, int TestCount, double[] Losses,
    int[][] Confusion, double Seconds)
{
    public static readonly string[] Header = ["model", "labels", "seed", "settings", "fixed_correct", "fixed_count", "test_correct", "test_count", "final_loss", "seconds", "losses", "confusion"];

    public double FixedAccuracy => (double)FixedCorrect / FixedCount;

    public double TestAccuracy => (double)TestCorrect / TestCount;

    public IEnumerable<string> Fields() =>
    [
        SweepModels.Name(Key.Model), Key.Labels.ToString(CultureInfo.InvariantCulture), Key.Seed.ToString(CultureInfo.InvariantCulture), Settings,
        FixedCorrect.ToString(CultureInfo.InvariantCulture), FixedCount.ToString(CultureInfo.InvariantCulture),
        TestCorrect.ToString(CultureInfo.InvariantCulture), TestCount.ToString(CultureInfo.InvariantCulture),
        Losses[^1].ToString("R", CultureInfo.InvariantCulture), Seconds.ToString("F2", CultureInfo.InvariantCulture),
        string.Join(';', Losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture))),
        string.Join(';', Confusion.SelectMany(r => r).Select(c => c.ToString(CultureInfo.InvariantCulture))),
    ];

    /// <summary>The row <paramref name="fields"/> hold, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static LabelSweepRow? TryParse(IReadOnlyList<string> fields, out string? problem)
    {
        problem = null;
        if (fields.Count != Header.Length)
        {
            problem = $"{fields.Count} fields; expected {Header.Length}";
            return null;
        }
        var model = SweepModels.All.Cast<SweepModel?>().FirstOrDefault(m => SweepModels.Name(m!.Value) == fields[0]);
        var losses = fields[10].Split(';').Select(Double).ToArray();
        var cells = fields[11].Split(';').Select(Int).ToArray();
        var k = (int)Math.Round(Math.Sqrt(cells.Length));
        if (model is null)
            problem = $"model '{fields[0]}'";
        else if (Int(fields[1]) is not > 0 || !ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            problem = $"labels '{fields[1]}' or seed '{fields[2]}'";
        else if (Int(fields[4]) is not >= 0 || Int(fields[5]) is not > 0 || Int(fields[6]) is not >= 0 || Int(fields[7]) is not > 0
                 || Int(fields[4]) > Int(fields[5]) || Int(fields[6]) > Int(fields[7]))
            problem = "correct answers and test counts";
        else if (losses.Length == 0 || losses.Any(l => l is null) || Double(fields[9]) is not >= 0)
            problem = "losses or seconds";
        else if (k < 2 || k * k != cells.Length || cells.Any(c => c is not >= 0) || cells.Sum(c => c!.Value) != Int(fields[7]))
            problem = "a confusion matrix that is not square or does not add up to test_count";
        if (problem is not null)
        {
            problem = $"{problem} is not what a label sweep writes";
            return null;
        }
        var confusion = Enumerable.Range(0, k).Select(t => cells.Skip(t * k).Take(k).Select(c => c!.Value).ToArray()).ToArray();
        return new LabelSweepRow(new LabelRunKey(model!.Value, Int(fields[1])!.Value, ulong.Parse(fields[2], CultureInfo.InvariantCulture)), fields[3],
            Int(fields[4])!.Value, Int(fields[5])!.Value, Int(fields[6])!.Value, Int(fields[7])!.Value, [.. losses.Select(l => l!.Value)], confusion, Double(fields[9])!.Value);
    }

    private static int? Int(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static double? Double(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
}

/// <summary>Where a label sweep writes, what it runs on, and where it reads (the data; rows of other shards to merge in).</summary>
/// <param name="Import">Directories (or rows files) of other shards of the same sweep: their rows are added to OUT's rows.csv first.</param>
/// <param name="Data">MNIST's classification splits already in memory (tests); null loads them.</param>
public sealed record LabelSweepRequest(LabelSweepOptions Options, SweepShard Shard, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir,
    IReadOnlyList<string> Import, ClassificationSplits? Data = null);

/// <summary>What a sweep left in its out directory.</summary>
public sealed record LabelSweepResult(IReadOnlyList<LabelSweepRow> Rows, int Ran, int Skipped, int Imported, int Missing, IReadOnlyList<string> Written);

/// <summary>
/// Runs a label sweep into an out directory: encoders/NAME holds each pretrained encoder (a `train cae` run, resumed if a kill cut it
/// short), rows.csv gets one row per classifier run as it finishes (<see cref="CsvRowsFile"/>), and once this shard is done the
/// summary and pictures are drawn from every row there (<see cref="LabelSweepReport"/>). Rerun with the same settings it skips every
/// run already in rows.csv; rows of other settings are refused before any work. Runs go seed by seed, and within a seed size by size,
/// so a sweep cut short has whole curves of its first seeds.
/// </summary>
public static class LabelSweep
{
    public const string EncodersDirectoryName = "encoders";

    /// <summary>The runs of the whole sweep in its order, each with its ordinal (what <see cref="SweepShard"/> splits by).</summary>
    public static List<(int Ordinal, LabelRunKey Key)> Plan(LabelSweepOptions o)
    {
        var runs = new List<(int, LabelRunKey)>();
        foreach (var seed in o.Seeds())
            foreach (var size in o.SizeList())
                foreach (var model in o.Models)
                    runs.Add((runs.Count, new LabelRunKey(model, size, seed)));
        return runs;
    }

    public static LabelSweepResult Run(LabelSweepRequest request, ITrainingObserver observer, CancellationToken stop)
    {
        var o = request.Options;
        var full = OutputDirectory.Check(request.OutDir, resume: true, force: false);
        var rowsPath = Path.Combine(full, SweepRowsFile.FileName);
        var header = CsvLine.Format(LabelSweepRow.Header);
        if (OutputDirectory.HoldsFiles(full) && !File.Exists(rowsPath))
            throw InputException.AboutSetting("out", $"out {request.OutDir}: holds files but no {SweepRowsFile.FileName}; expected a new or empty directory, or a label sweep's to resume");
        var settings = o.Settings();
        var existing = File.Exists(rowsPath) ? ReadRows(rowsPath, header, settings, observer.Note) : (Rows: new List<LabelSweepRow>(), CompleteBytes: 0L);
        var imported = request.Import.SelectMany(path => ReadImport(path, header, settings, observer.Note)).ToList();
        var data = request.Data ?? ClassificationSplits.Load(DatasetKind.Mnist, request.DataDir, observer.Note);
        o.Validate(data.Train.Count);
        if (o.FixedTest > data.Test.Count)
            throw InputException.ForSetting("fixed_test", o.FixedTest, $"at most the {data.Test.Count} test images");
        foreach (var m in o.Models)
            SweepModels.Pretraining(m, o.PretrainEpochs, o.PretrainLimit)?.Validate();

        using var run = OutputDirectory.Open(request.OutDir, resume: true, force: false, observer.Note);
        run.Create();
        var rows = existing.Rows;
        var byKey = rows.ToDictionary(r => r.Key);
        var plan = Plan(o);
        // Imported rows join in the sweep's run order (not shard by shard), so that importing every shard into a new directory
        // writes the rows.csv the one-process sweep writes.
        var ordinals = plan.ToDictionary(p => p.Key, p => p.Ordinal);
        var newImports = new List<LabelSweepRow>();
        foreach (var row in imported.OrderBy(r => ordinals.GetValueOrDefault(r.Key, int.MaxValue)))
        {
            if (byKey.TryGetValue(row.Key, out var have))
            {
                if (!SameResult(have, row))
                    throw InputException.AboutSetting("import", $"import: {row.Key} has other results than {rowsPath} holds; expected shards of one sweep, each run once");
                continue;
            }
            byKey[row.Key] = row;
            newImports.Add(row);
        }

        var mine = plan.Where(p => request.Shard.Contains(p.Ordinal)).Select(p => p.Key).ToList();
        var todo = mine.Where(k => !byKey.ContainsKey(k)).ToList();
        var skipped = mine.Count - todo.Count;
        if (skipped > 0)
            observer.Note($"{rowsPath}: {skipped} of shard {request.Shard}'s {mine.Count} runs already done; running the other {todo.Count}");
        var ran = 0;
        using (var appender = new CsvRowsFile.Appender(rowsPath, existing.CompleteBytes, header))
        {
            foreach (var row in newImports)
            {
                appender.Append(row.Fields());
                rows.Add(row);
            }
            if (todo.Count > 0)
            {
                using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
                var encoders = Pretrain(request, todo.Select(k => k.Model).Distinct(), observer, stop);
                var fixedTest = data.Test.Take(o.FixedTest);
                foreach (var key in todo)
                {
                    if (stop.IsCancellationRequested)
                        throw new RunInterruptedException($"{ran + skipped} of shard {request.Shard}'s {mine.Count} runs done", full);
                    var row = RunOne(backend, o, key, settings, data, fixedTest, encoders.GetValueOrDefault(key.Model), stop, full);
                    appender.Append(row.Fields());
                    rows.Add(row);
                    byKey[key] = row;
                    ran++;
                    observer.Note($"{key}: {100 * row.FixedAccuracy:F1} % on the fixed {row.FixedCount}, {100 * row.TestAccuracy:F2} % on all {row.TestCount} " +
                                  $"({row.Seconds:F1} s; {ran + skipped}/{mine.Count} of shard {request.Shard})");
                }
            }
        }
        var written = LabelSweepReport.Write(full, o, rows);
        return new LabelSweepResult(rows, ran, skipped, newImports.Count, plan.Count(p => !byKey.ContainsKey(p.Key)), written);
    }

    /// <summary>One classifier run: the subset of its size and seed, training, and both test scores.</summary>
    private static LabelSweepRow RunOne(IBackend backend, LabelSweepOptions o, LabelRunKey key, string settings, ClassificationSplits data, Dataset fixedTest,
        PretrainedEncoder? encoder, CancellationToken stop, string directory)
    {
        var clock = Stopwatch.StartNew();
        var options = new LabelOptions
        {
            Model = SweepModels.Classifier(key.Model),
            Labels = key.Labels,
            Epochs = o.Epochs,
            Batch = o.Batch,
            Seed = key.Seed,
            SecondPool = key.Model == SweepModel.Cnn && o.SecondPool,
        };
        var subset = LabelTraining.Subset(data.Train, key.Labels, key.Seed);
        using var network = LabelTraining.Build(backend, options, ClassificationSplits.Classes, encoder);
        var epochs = LabelTraining.Train(network, options, subset, _ =>
        {
            if (stop.IsCancellationRequested)
                throw new RunInterruptedException($"{key}, which will run again", directory);
        });
        var predicted = LabelTraining.Predict(network, data.Test);
        var confusion = LabelTraining.Confusion(predicted, data.Test.Labels, ClassificationSplits.Classes);
        var fixedCorrect = Enumerable.Range(0, fixedTest.Count).Count(i => predicted[i] == fixedTest.Labels[i]);
        var correct = Enumerable.Range(0, data.Test.Count).Count(i => predicted[i] == data.Test.Labels[i]);
        return new LabelSweepRow(key, settings, fixedCorrect, fixedTest.Count, correct, data.Test.Count, [.. epochs.Select(e => e.TrainLoss)], confusion,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Each pretrained model's encoder, trained into OUT/encoders/NAME by `train cae` (resumed when a killed sweep left it there, kept
    /// as it is when finished).
    /// </summary>
    private static Dictionary<SweepModel, PretrainedEncoder> Pretrain(LabelSweepRequest request, IEnumerable<SweepModel> models, ITrainingObserver observer,
        CancellationToken stop)
    {
        var o = request.Options;
        var encoders = new Dictionary<SweepModel, PretrainedEncoder>();
        foreach (var model in models)
        {
            if (SweepModels.Pretraining(model, o.PretrainEpochs, o.PretrainLimit) is not { } cae)
                continue;
            var directory = Path.Combine(request.OutDir, EncodersDirectoryName, SweepModels.Name(model));
            var saved = CaeTraining.SavedOptions(directory);
            if (saved is not null && saved != cae)
                throw InputException.AboutSetting("out", $"out {request.OutDir}: {directory} holds an encoder trained with other options; expected this sweep's (pretrain_epochs {o.PretrainEpochs}), or a new directory");
            var metrics = saved is null ? null : MetricsFile.Read<CaeMetrics>(directory, RunKind.TrainCae);
            if (metrics is null || metrics.Epochs.Count < cae.Epochs)
            {
                observer.Note($"pretraining the encoder of {SweepModels.Display(model)} into {directory}{(saved is null ? "" : " (resuming)")}");
                CaeTraining.Run(new CaeRunRequest(cae, request.Accelerator, request.Device, request.DataDir, directory, Resume: saved is not null, Force: false,
                    new RunControl(0, stop)), observer);
            }
            encoders[model] = PretrainedEncoder.Read(directory);
        }
        return encoders;
    }

    private static (List<LabelSweepRow> Rows, long CompleteBytes) ReadRows(string path, string header, string settings, Action<string> note)
    {
        var what = $"a row as a label sweep writes it ({string.Join(",", LabelSweepRow.Header)})";
        var (lines, complete) = CsvRowsFile.Read(path, header, what, note);
        var rows = new List<LabelSweepRow>(lines.Count);
        var seen = new HashSet<LabelRunKey>();
        foreach (var line in lines)
        {
            var row = LabelSweepRow.TryParse(line.Fields, out var problem) ?? throw new InputException($"{path} line {line.Line}: {problem}; expected {what}");
            if (row.Settings != settings)
                throw new InputException($"{path} line {line.Line}: a run with the settings '{row.Settings}'; expected this sweep's '{settings}', or a new directory");
            if (!seen.Add(row.Key))
                throw new InputException($"{path} line {line.Line}: {row.Key} a second time; expected each run once");
            rows.Add(row);
        }
        return (rows, complete);
    }

    private static IEnumerable<LabelSweepRow> ReadImport(string given, string header, string settings, Action<string> note)
    {
        var full = InputFile.FullPath(given);
        var file = Directory.Exists(full) ? Path.Combine(full, SweepRowsFile.FileName) : full;
        if (!File.Exists(file))
            throw InputException.AboutSetting("import", $"import {given}: {file} not found; expected a label sweep's out directory or its {SweepRowsFile.FileName}");
        return ReadRows(file, header, settings, note).Rows;
    }

    private static bool SameResult(LabelSweepRow a, LabelSweepRow b) =>
        a.FixedCorrect == b.FixedCorrect && a.TestCorrect == b.TestCorrect && a.Losses.SequenceEqual(b.Losses);
}
