namespace ILGPUAE.Training.Anamo;

using System.Diagnostics;
using System.Globalization;
using System.Text;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// `compare anamo`: ANAMO (<see cref="AnamoOptions"/>) against Adam with PyTorch's defaults (lr 1e-3, β 0.9/0.999, ε 1e-8) on the
/// same objective (½‖x − x̂‖² + λ‖E(x)‖₁ per example, mean over the minibatch), the same minibatches and the same initial weights per
/// seed (seeds 1 … <see cref="Seeds"/>). Adam gets <see cref="AdamEpochs"/> epochs, by default as many gradient evaluations as ANAMO's
/// outer × (encoder + decoder) iterations: the note's 200 full-batch epochs against 10 × (5 + 15) on halves.
/// </summary>
public sealed record ComparisonOptions
{
    public AnamoOptions Anamo { get; init; } = new();

    public int Seeds { get; init; } = 10;

    /// <summary>Adam's epochs; null: the same gradient evaluations as ANAMO (outer × (encoder + decoder iterations)).</summary>
    public int? AdamEpochs { get; init; }

    public float AdamLearningRate { get; init; } = 1e-3f;

    public int ResolvedAdamEpochs => AdamEpochs ?? Anamo.Outer * (Anamo.EncoderIterations + Anamo.DecoderIterations);

    public void Validate()
    {
        Anamo.Validate();
        if (Seeds < 1)
            throw InputException.ForSetting("seeds", Seeds, "an integer ≥ 1");
        if (AdamEpochs is < 1)
            throw InputException.ForSetting("adam_epochs", AdamEpochs, "an integer ≥ 1");
        if (!(float.IsFinite(AdamLearningRate) && AdamLearningRate > 0f))
            throw InputException.ForSetting("adam_learning_rate", AdamLearningRate, "a finite number > 0");
    }
}

/// <summary>One method on one seed: its test reconstruction bias and squared error, its final training objective, its gradient evaluations and time.</summary>
public sealed record ComparisonRow(int Seed, string Method, long GradientEvaluations, double TestBias, double TestSquaredError, double FinalObjective, double Seconds)
{
    public const string Header = "seed,method,gradient_evaluations,test_bias,test_squared_error,final_objective,seconds";

    public string ToCsv() => string.Join(',', Seed.ToString(CultureInfo.InvariantCulture), Method, GradientEvaluations.ToString(CultureInfo.InvariantCulture),
        TestBias.ToString("R", CultureInfo.InvariantCulture), TestSquaredError.ToString("R", CultureInfo.InvariantCulture),
        FinalObjective.ToString("R", CultureInfo.InvariantCulture), Seconds.ToString("F3", CultureInfo.InvariantCulture));

    public static ComparisonRow Parse(string path, int lineNumber, string line)
    {
        var f = line.Split(',');
        static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (f.Length != 7 || !int.TryParse(f[0], CultureInfo.InvariantCulture, out var seed) || f[1] is not (AnamoComparison.Anamo or AnamoComparison.Adam))
            throw new InputException($"{path}: line {lineNumber} is '{line}'; expected {Header}");
        return new ComparisonRow(seed, f[1], long.Parse(f[2], CultureInfo.InvariantCulture), D(f[3]), D(f[4]), D(f[5]), D(f[6]));
    }
}

/// <summary>
/// Runs the comparison into a directory: rows.csv (one row per seed and method, appended as each finishes, so a rerun skips what is
/// there), curves/SEED-METHOD.csv (the objective at every gradient evaluation: the minibatch's mean loss where the gradient was
/// taken), loss.png (both methods' mean curve over the seeds against gradient evaluations) and summary.md (mean, standard deviation and
/// 95 % t-interval of the test bias per method, the note's figures beside them, and the paired difference).
/// </summary>
public static class AnamoComparison
{
    public const string Anamo = "anamo", Adam = "adam";
    public const string RowsFile = "rows.csv", SummaryFile = "summary.md", PlotFile = "loss.png", CurvesFolder = "curves";

    /// <summary>The note's average test reconstruction bias on halves: ANAMO 1.85, Adam 3.70.</summary>
    public static readonly IReadOnlyDictionary<string, double> NoteFigures = new Dictionary<string, double> { [Anamo] = 1.85, [Adam] = 3.70 };

    public static IReadOnlyList<ComparisonRow> Run(ComparisonOptions options, AcceleratorKind accelerator, int device, string? dataDir, string outDir,
        Action<string> note)
    {
        options.Validate();
        var o = options.Anamo;
        var directory = InputFile.FullPath(InputPath.NotEmpty(outDir, "out"));
        Directory.CreateDirectory(Path.Combine(directory, CurvesFolder));
        var rowsPath = Path.Combine(directory, RowsFile);
        var rows = ReadRows(rowsPath);
        using var backend = AcceleratorCatalog.Open(accelerator, device, note);
        var splits = Datasets.Load(o.Dataset, dataDir, note).ForClassification().Limit(o.TrainLimit, o.TestLimit);
        var train = splits.Train;
        var visible = train.Features;
        note($"{Datasets.Info(o.Dataset).DisplayName}: {train.Count} train / {splits.Test.Count} test, {visible} → {o.Hidden} → {visible}, λ {o.Lambda}, batch {o.Batch}; " +
            $"ANAMO {o.EncoderIterations}+{o.DecoderIterations} inner × {o.Outer} outer (steps {o.EncoderStep}/{o.DecoderStep}) vs Adam lr {options.AdamLearningRate} × {options.ResolvedAdamEpochs} epochs; {backend.Name}");
        using var test = backend.Allocate<float>(splits.Test.Count, visible);
        test.CopyFrom(splits.Test.Pixels);
        for (var seed = 1; seed <= options.Seeds; seed++)
            foreach (var method in new[] { Anamo, Adam })
            {
                if (rows.Any(r => r.Seed == seed && r.Method == method))
                    continue;
                var row = RunOne(backend, options, method, seed, train, test, Path.Combine(directory, CurvesFolder, $"{seed}-{method}.csv"));
                rows.Add(row);
                if (!File.Exists(rowsPath))
                    File.WriteAllText(rowsPath, ComparisonRow.Header + "\n");
                File.AppendAllText(rowsPath, row.ToCsv() + "\n");
                note($"seed {seed} {method}: test bias {row.TestBias:F4}, test ½‖x − x̂‖² {row.TestSquaredError:F4}, objective {row.FinalObjective:F4}, {row.GradientEvaluations} gradients, {row.Seconds:F1} s");
            }
        var done = rows.Where(r => r.Seed <= options.Seeds).ToList();
        File.WriteAllText(Path.Combine(directory, SummaryFile), Summary(options, train.Count, splits.Test.Count, backend.Name, done));
        TrainingCurves.WriteFile(Path.Combine(directory, PlotFile), Curves(options, directory));
        return done;
    }

    private static List<ComparisonRow> ReadRows(string path)
    {
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != ComparisonRow.Header)
            throw new InputException($"{path}: its first line is '{lines.FirstOrDefault()}'; expected {ComparisonRow.Header} (rows.csv of `compare anamo`)");
        return [.. lines.Skip(1).Select((line, i) => (line, i)).Where(p => p.line.Length > 0).Select(p => ComparisonRow.Parse(path, p.i + 2, p.line))];
    }

    private static ComparisonRow RunOne(IBackend backend, ComparisonOptions options, string method, int seed, Dataset train, Tensor<float> test, string curvePath)
    {
        var o = options.Anamo;
        var visible = train.Features;
        var clock = Stopwatch.StartNew();
        var network = AnamoNetwork.Spec(visible, o.Hidden, o.Lambda, o.SmoothStepEpsilon).Build(backend, Math.Min(o.Batch, train.Count));
        network.Initialize((ulong)seed);
        var curve = new List<double>();
        void Record(Tensor<float> losses)
        {
            backend.Synchronize();
            curve.Add(losses.ToArray().Average(v => (double)v));
        }
        ITrainingStep step;
        int epochs;
        // The rate every batch trains at: Adam's (a NetworkStep sets its groups to a batch's rate); ANAMO's blocks keep their own steps.
        var rate = options.AdamLearningRate;
        if (method == Anamo)
        {
            var (encoder, decoder) = AnamoNetwork.Blocks(network);
            step = new AnamoStep(network, encoder, o.EncoderBlock, decoder, o.DecoderBlock) { GradientEvaluated = Record };
            epochs = o.Outer;
        }
        else
        {
            var adam = OptimizerOptions.Defaults(OptimizerKind.Adam) with { LearningRate = options.AdamLearningRate };
            step = new RecordingStep(new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, adam), rate), Record);
            epochs = options.ResolvedAdamEpochs;
        }
        var byName = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        using (step)
        {
            using var trainer = new Trainer(backend, step, new TrainerSettings((ulong)seed, o.Batch, rate), train.Pixels, train.Count);
            for (var e = 0; e < epochs; e++)
            {
                var epoch = trainer.RunEpoch();
                if (!double.IsFinite(epoch.TrainLoss))
                    throw new TrainingDivergedException(epoch.Epoch, trainer.StepsDone, epoch.TrainLoss);
            }
            using var scoring = AnamoNetwork.Spec(visible, o.Hidden, 0f, o.SmoothStepEpsilon).Build(backend, Math.Min(500, test.Rows), byName.GetValueOrDefault);
            using var evaluator = new NetworkEvaluator(backend, scoring);
            var bias = ReconstructionBias.Mean(evaluator, scoring, test);
            var squared = evaluator.MeanReconstructionLoss(test);
            File.WriteAllLines(curvePath, ["gradient_evaluation,objective", .. curve.Select((v, i) => $"{i + 1},{v.ToString("R", CultureInfo.InvariantCulture)}")]);
            return new ComparisonRow(seed, method, curve.Count, bias, squared, curve[^1], clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>A step that reads the batch's losses back after each call: Adam's curve, one point per gradient evaluation.</summary>
    private sealed class RecordingStep(NetworkStep inner, Action<Tensor<float>> record) : ITrainingStep
    {
        public int Chunk => 0;
        public int Workers => 1;
        public Optimizer? Optimizer => inner.Optimizer;

        public void Run(int worker, in TrainingBatch batch)
        {
            inner.Run(worker, batch);
            record(batch.Losses);
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Each method's objective per gradient evaluation, averaged over the seeds whose curves are in the directory.</summary>
    private static IReadOnlyList<CurvePanel> Curves(ComparisonOptions options, string directory)
    {
        var o = options.Anamo;
        var series = new List<CurveSeries>();
        foreach (var (method, color) in new[] { (Anamo, 0), (Adam, 3) })
        {
            var curves = Enumerable.Range(1, options.Seeds).Select(s => Path.Combine(directory, CurvesFolder, $"{s}-{method}.csv")).Where(File.Exists)
                .Select(p => File.ReadLines(p).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray()).ToList();
            if (curves.Count == 0)
                continue;
            var length = curves.Min(c => c.Length);
            var mean = Enumerable.Range(0, length).Select(i => curves.Average(c => c[i])).ToArray();
            series.Add(new CurveSeries($"{(method == Anamo ? "ANAMO" : "Adam")} (mean of {curves.Count} seeds)", [.. Enumerable.Range(1, length)], mean, CurveStyle.Line, color));
        }
        return
        [
            new CurvePanel($"{Datasets.Info(o.Dataset).DisplayName}, {o.Hidden} hidden, λ {o.Lambda}: ANAMO {o.EncoderIterations}+{o.DecoderIterations} × {o.Outer} (steps {o.EncoderStep}/{o.DecoderStep}) vs Adam lr {options.AdamLearningRate} × {options.ResolvedAdamEpochs} epochs",
                "objective ½‖x − x̂‖² + λ‖code‖₁ (minibatch mean)", series, XLabel: "gradient evaluations (ANAMO: every inner iteration; Adam: every step)"),
        ];
    }

    /// <summary>t_{0.975, df} for df = 1 … 30; beyond, the normal 1.96.</summary>
    private static readonly double[] T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];

    /// <summary>Mean, sample standard deviation and the half-width of the 95 % t-interval of the mean (NaN for fewer than 2 values).</summary>
    public static (double Mean, double Std, double HalfWidth) Describe(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        if (values.Count < 2)
            return (mean, double.NaN, double.NaN);
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        var t = values.Count - 1 <= T975.Length ? T975[values.Count - 2] : 1.96;
        return (mean, std, t * std / Math.Sqrt(values.Count));
    }

    private static string Summary(ComparisonOptions options, int trainCount, int testCount, string accelerator, IReadOnlyList<ComparisonRow> rows)
    {
        var o = options.Anamo;
        static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("F3", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine($"# ANAMO vs Adam on {Datasets.Info(o.Dataset).DisplayName}");
        text.AppendLine();
        text.AppendLine($"{trainCount} training / {testCount} test images; autoencoder {Datasets.Info(o.Dataset).Shape.Features} → {o.Hidden} → {Datasets.Info(o.Dataset).Shape.Features} (sigmoid, untied), " +
            $"objective ½‖x − x̂‖² + {o.Lambda.ToString(CultureInfo.InvariantCulture)}·‖E(x)‖₁ per image (mean over a minibatch of {o.Batch}); the same initial weights and minibatches per seed. " +
            $"ANAMO: {o.EncoderIterations} FISTA iterations on the encoder (step {o.EncoderStep.ToString(CultureInfo.InvariantCulture)}) then {o.DecoderIterations} Nesterov iterations on the decoder " +
            $"(step {o.DecoderStep.ToString(CultureInfo.InvariantCulture)}) per minibatch, {o.Outer} outer iterations. Adam: PyTorch's defaults (lr {options.AdamLearningRate.ToString(CultureInfo.InvariantCulture)}, " +
            $"β 0.9/0.999, ε 1e-8), {options.ResolvedAdamEpochs} epochs. {accelerator}.");
        text.AppendLine();
        text.AppendLine("Test reconstruction bias (1/M)Σ‖x − x̂‖₂ (Euclidean norm, not squared), over the seeds:");
        text.AppendLine();
        text.AppendLine("| method | n seeds | gradient evaluations | mean | std | 95 % interval of the mean | the note | test ½‖x − x̂‖² (mean) | final objective (mean) | seconds per run |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var method in new[] { Anamo, Adam })
        {
            var mine = rows.Where(r => r.Method == method).ToList();
            if (mine.Count == 0)
                continue;
            var (mean, std, half) = Describe([.. mine.Select(r => r.TestBias)]);
            var noteFigure = o.Dataset == DatasetKind.Halves ? F(NoteFigures[method]) : "–";
            text.AppendLine($"| {(method == Anamo ? "ANAMO" : "Adam")} | {mine.Count} | {mine[0].GradientEvaluations} | {F(mean)} | {F(std)} | [{F(mean - half)}, {F(mean + half)}] | {noteFigure} | " +
                $"{F(mine.Average(r => r.TestSquaredError))} | {F(mine.Average(r => r.FinalObjective))} | {F(mine.Average(r => r.Seconds))} |");
        }
        var paired = rows.Where(r => r.Method == Anamo).Join(rows.Where(r => r.Method == Adam), r => r.Seed, r => r.Seed, (a, b) => a.TestBias - b.TestBias).ToList();
        if (paired.Count > 0)
        {
            var (mean, _, half) = Describe(paired);
            text.AppendLine();
            text.AppendLine($"Paired by seed, ANAMO − Adam: {F(mean)} (95 % interval [{F(mean - half)}, {F(mean + half)}], {paired.Count} seeds); ANAMO lower on {paired.Count(d => d < 0)} of {paired.Count}.");
        }
        return text.ToString();
    }
}
