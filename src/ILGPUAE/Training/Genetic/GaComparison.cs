namespace ILGPUAE.Training.Genetic;

using System.Diagnostics;
using System.Globalization;
using System.Text;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Genetic;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// `compare ga`'s settings: the autoencoder (a tied sigmoid <see cref="GaOptions.Hidden"/>-unit autoencoder on the first
/// <see cref="GaOptions.TrainLimit"/> training images, squared error), the GA's own options (<see cref="Ga"/>), the memetic GA's SGD
/// step, and the wall-clock budget every method gets.
/// </summary>
public sealed record GaComparisonOptions
{
    /// <summary>Training images when train_limit is not given (the 5000 MNIST images), or all of a smaller set.</summary>
    public const int DefaultTrainImages = 5000;

    /// <summary>
    /// The plain GA's run (its train_limit null: <see cref="DefaultTrainImages"/>); the memetic GA is the same with one SGD step per
    /// offspring at <see cref="SgdLearningRate"/>.
    /// </summary>
    public GaOptions Ga { get; init; } = new();

    /// <summary>Seconds of training (evaluations excluded) each method gets.</summary>
    public double Seconds { get; init; } = 60;

    /// <summary>The learning rate of plain minibatch SGD and of the memetic step.</summary>
    public float SgdLearningRate { get; init; } = 0.1f;

    public void Validate()
    {
        Ga.Validate();
        if (!(double.IsFinite(Seconds) && Seconds > 0))
            throw InputException.ForSetting("seconds", Seconds, "a finite number of seconds > 0");
        if (!(float.IsFinite(SgdLearningRate) && SgdLearningRate > 0))
            throw InputException.ForSetting("learning_rate", SgdLearningRate, "a finite number > 0");
    }
}

/// <summary>One method's test loss after an epoch, at the training time it had taken by then.</summary>
public sealed record GaComparisonRow(string Method, int Epoch, double Seconds, double TestLoss);

/// <summary>
/// `compare ga`: the same tied autoencoder trained by the GA, by the memetic GA and by minibatch SGD (the one trainer, `train dae`'s
/// model), each for the same wall-clock budget of training time, on the same training images from the same seed. After every epoch
/// (⌊train / batch⌋ generations, or SGD steps) the test loss per image of the method's model — the GA's individual with the lowest loss
/// on the first <see cref="GaTraining.ScoredImages"/> training images — is a row of rows.csv, written as it is measured; a rerun skips
/// the methods rows.csv has finished. loss.png draws test loss against training time, summary.md the losses at the budget.
/// </summary>
public static class GaComparison
{
    public const string RowsFile = "rows.csv", SummaryFile = "summary.md", PlotFile = "loss.png";
    public const string Ga = "ga", Memetic = "memetic-ga", Sgd = "sgd";
    private static readonly string[] Methods = [Ga, Memetic, Sgd];
    private const string Header = "method,epoch,seconds,test_loss";

    public static IReadOnlyList<GaComparisonRow> Run(GaComparisonOptions options, AcceleratorKind accelerator, int device, string? dataDir, string directory,
        Action<string> note)
    {
        options.Validate();
        Directory.CreateDirectory(directory);
        var rowsPath = Path.Combine(directory, RowsFile);
        var rows = ReadRows(rowsPath);
        using var backend = AcceleratorCatalog.Open(accelerator, device, note);
        var o = options.Ga;
        var all = Datasets.Load(o.Dataset, dataDir, note).ForClassification();
        var splits = all.Limit(o.TrainLimit ?? Math.Min(GaComparisonOptions.DefaultTrainImages, all.Train.Count), o.TestLimit);
        var train = splits.Train.Take(splits.Train.Count / o.Batch * o.Batch);
        if (train.Count == 0)
            throw InputException.ForSetting("batch", o.Batch, $"at most the {splits.Train.Count} training images");
        using var test = backend.Allocate<float>(splits.Test.Count, train.Features);
        test.CopyFrom(splits.Test.Pixels);
        foreach (var method in Methods)
        {
            if (rows.Any(r => r.Method == method && r.Seconds >= options.Seconds))
            {
                note($"{method}: done in {RowsFile}");
                continue;
            }
            // A method cut off by a kill starts again: its time was measured in a process that is gone.
            rows.RemoveAll(r => r.Method == method);
            WriteRows(rowsPath, rows);
            foreach (var row in method == Sgd ? RunSgd(backend, options, train, test) : RunGa(backend, options, method == Memetic, train, test))
            {
                rows.Add(row);
                File.AppendAllText(rowsPath, Line(row));
                note($"{row.Method}: epoch {row.Epoch}, {row.Seconds:F1} s, test loss {row.TestLoss:F4}");
            }
        }
        TrainingCurves.WriteFile(Path.Combine(directory, PlotFile), Curves(options, rows));
        File.WriteAllText(Path.Combine(directory, SummaryFile), Summary(options, rows, train.Count, splits.Test.Count, backend.Name));
        return rows;
    }

    private static IEnumerable<GaComparisonRow> RunGa(IBackend backend, GaComparisonOptions options, bool memetic, Dataset train, Tensor<float> test)
    {
        var o = memetic ? options.Ga with { MemeticSteps = 1, MemeticLearningRate = options.SgdLearningRate } : options.Ga;
        var layout = new TiedPopulationLayout(train.Features, o.Hidden);
        using var lanes = new IslandLanes(backend, o.Islands);
        var islands = Enumerable.Range(0, o.Islands).Select(i => new Island(lanes.For(i), i, layout, o.Population, o.Batch, o.Operators(train.Features))).ToList();
        try
        {
            islands.ForEach(i => i.Initialize(o.Seed));
            using var migration = new LocalMigration(o.Topology, o.Migrants, o.Seed);
            using var step = new GaStep(backend, o, islands, migration, o.FixedMinibatch ? train.Pixels.AsSpan(0, o.Batch * train.Features).ToArray() : null);
            using var trainer = new Trainer(backend, step, new TrainerSettings(o.Seed, o.Batch, o.MemeticLearningRate), train.Pixels, train.Count);
            var scored = train.Take(Math.Min(GaTraining.ScoredImages, train.Count) / o.Batch * o.Batch);
            using var scoring = new GaTraining.ScoringImages(backend, scored, o.Batch);
            var seconds = 0.0;
            for (var epoch = 1; seconds < options.Seconds; epoch++)
            {
                seconds += Timed(backend, () => trainer.RunEpoch());
                var (island, individual, _) = scoring.Best(islands, o.Loss);
                using var model = layout.Model(backend, islands[island].Row(individual));
                yield return new GaComparisonRow(memetic ? Memetic : Ga, epoch, seconds, GaTraining.TestLoss(model, test, o.Loss));
            }
        }
        finally
        {
            islands.ForEach(i => i.Dispose());
        }
    }

    /// <summary>Plain minibatch SGD on one tied autoencoder of the GA's shape, initialised as the GA's individual 0, on the one trainer.</summary>
    private static IEnumerable<GaComparisonRow> RunSgd(IBackend backend, GaComparisonOptions options, Dataset train, Tensor<float> test)
    {
        var o = options.Ga;
        var layout = new TiedPopulationLayout(train.Features, o.Hidden);
        using var parameters = backend.Allocate<float>(1, layout.Parameters);
        var initial = new float[layout.Parameters];
        TiedAutoencoder.InitialWeights(layout.Visible, layout.Hidden, o.Seed).CopyTo(initial, 0);
        parameters.CopyFrom(initial);
        using var network = o.Network(layout.Visible).Build(backend, o.Batch, layout.Values(parameters, 0));
        using var optimizer = new Optimizer(backend, network.TrainedParameters, new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = options.SgdLearningRate });
        using var step = new NetworkStep(network, optimizer, options.SgdLearningRate);
        using var trainer = new Trainer(backend, step, new TrainerSettings(o.Seed, o.Batch, options.SgdLearningRate), train.Pixels, train.Count);
        var seconds = 0.0;
        for (var epoch = 1; seconds < options.Seconds; epoch++)
        {
            seconds += Timed(backend, () => trainer.RunEpoch());
            using var model = layout.Model(backend, parameters.ToArray());
            yield return new GaComparisonRow(Sgd, epoch, seconds, GaTraining.TestLoss(model, test, o.Loss));
        }
    }

    private static double Timed(IBackend backend, Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        backend.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    private static string Line(GaComparisonRow r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Method},{r.Epoch},{r.Seconds:R},{r.TestLoss:R}\n");

    private static List<GaComparisonRow> ReadRows(string path)
    {
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new InputException($"{path}: expected the header '{Header}' (a file `compare ga` wrote)");
        var rows = new List<GaComparisonRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length != 4 || !Methods.Contains(f[0]) || !int.TryParse(f[1], CultureInfo.InvariantCulture, out var epoch)
                || !double.TryParse(f[2], CultureInfo.InvariantCulture, out var seconds) || !double.TryParse(f[3], CultureInfo.InvariantCulture, out var loss))
                throw new InputException($"{path}: line {i + 1} '{lines[i]}' is not method,epoch,seconds,test_loss");
            rows.Add(new GaComparisonRow(f[0], epoch, seconds, loss));
        }
        return rows;
    }

    private static void WriteRows(string path, IEnumerable<GaComparisonRow> rows) =>
        File.WriteAllText(path, Header + "\n" + string.Concat(rows.Select(Line)));

    /// <summary>loss.png: each method's test loss against its training time, in tenths of a second.</summary>
    private static IReadOnlyList<CurvePanel> Curves(GaComparisonOptions options, IReadOnlyList<GaComparisonRow> rows) =>
    [
        new CurvePanel($"{Datasets.Info(options.Ga.Dataset).DisplayName}, tied {options.Ga.Hidden} hidden: GA ({options.Ga.Population} individuals), memetic GA, SGD (lr {options.SgdLearningRate})",
            "test loss per image",
            [.. Methods.Select((m, i) => new CurveSeries(m, [.. rows.Where(r => r.Method == m).Select(r => (int)Math.Round(10 * r.Seconds))],
                [.. rows.Where(r => r.Method == m).Select(r => r.TestLoss)], CurveStyle.Line, i))],
            XLabel: "training time (tenths of a second)"),
    ];

    private static string Summary(GaComparisonOptions options, IReadOnlyList<GaComparisonRow> rows, int train, int test, string backend)
    {
        var o = options.Ga;
        var md = new StringBuilder();
        md.AppendLine($"# compare ga: {Datasets.Info(o.Dataset).DisplayName}, {train} training / {test} test images, tied {o.Hidden} hidden, {o.Loss}");
        md.AppendLine();
        md.AppendLine($"Each method trained for {options.Seconds.ToString(CultureInfo.InvariantCulture)} s of wall-clock time (evaluations excluded) on {backend}. " +
                      $"GA: {o.Population} individuals, {o.OffspringCount} offspring, tournament {o.TournamentSize}, {o.Crossover} crossover, {o.Mutation} mutation " +
                      $"(rate {o.MutationRate}, σ {o.MutationScale}), batch {o.Batch}; memetic GA: the same with one SGD step (lr {options.SgdLearningRate}) per offspring; " +
                      $"SGD: one model, batch {o.Batch}, lr {options.SgdLearningRate}. Test loss per image of the method's model (the GA's: its best on the first " +
                      $"{GaTraining.ScoredImages} training images) after its last epoch.");
        md.AppendLine();
        md.AppendLine("| method | epochs | training time (s) | test loss per image |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var m in Methods)
            if (rows.LastOrDefault(r => r.Method == m) is { } last)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {m} | {last.Epoch} | {last.Seconds:F1} | {last.TestLoss:F3} |"));
        var finals = Methods.Select(m => rows.LastOrDefault(r => r.Method == m)).OfType<GaComparisonRow>().OrderBy(r => r.TestLoss).ToList();
        if (finals.Count > 1)
        {
            md.AppendLine();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Lowest test loss: {finals[0].Method} ({finals[0].TestLoss:F3}), {finals[1].TestLoss / finals[0].TestLoss:F2}× below the next ({finals[1].Method}, {finals[1].TestLoss:F3})."));
        }
        return md.ToString();
    }
}
