namespace ILGPUAE.Training.Genetic;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Genetic;
using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>Where a `train ga` run reads data, where it writes, and what it runs on.</summary>
public sealed record GaRunRequest(GaOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    RunControl? Control = null);

/// <summary>
/// One epoch of `train ga` (⌊train / batch⌋ generations): the mean over its generations of the best minibatch loss (TrainLoss), and
/// the individual with the lowest mean loss over the scoring images (the first <see cref="GaTraining.ScoredImages"/> training images),
/// with that loss and its test loss — the individual model.safetensors holds.
/// </summary>
public sealed record GaEpochReport(int Epoch, double TrainLoss, long Generations, double ScoredLoss, double TestLoss, int BestIsland, int BestIndividual,
    double Seconds, double SamplesPerSecond) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond);

/// <summary>`train ga`'s metrics.json: the epochs, and every generation's statistics on every island.</summary>
public sealed record GaMetrics(string Model, string Dataset, string Accelerator, GaOptions Options, int TrainExamples, int TestExamples,
    List<GaEpochReport> Epochs, List<GaGenerationReport> Generations);

/// <summary>
/// `train ga` from start to end: islands of tied autoencoders evolved by <see cref="GaStep"/> on the one <see cref="Trainer"/>. After each
/// epoch the whole population is scored on the scoring images and the best individual is written as model.safetensors in
/// `train dae`'s layout (W, b_hidden, b_visible and the architecture), so `eval`, `visualize` and `sample` read it; with train_state
/// (every island's population, the trainer's place and the generations' statistics) and metrics.json as one commit point, then
/// fitness.png, filters.png and reconstructions.png. --resume continues from the last checkpoint.
/// </summary>
public static class GaTraining
{
    public const string Format = "ilgpuae.ga";
    public const string StateFormat = Format + ".state";
    public const string FitnessFileName = "fitness.png";

    /// <summary>The training images every epoch's best individual is chosen on (at most).</summary>
    public const int ScoredImages = 1000;

    private const string Verb = "train ga";
    private const string GenerationsKey = "generations";

    public static GaMetrics Run(GaRunRequest request, ITrainingObserver observer)
    {
        using var run = NetworkRunDirectory.Open(request.OutDir, request.Resume, request.Force, Verb, observer.Note);
        var (outDir, modelPath, statePath) = (run.Path, run.ModelPath, run.StatePath);
        var saved = request.Resume ? SavedState.Read(statePath) : null;
        var options = saved?.Options ?? request.Options;
        options.Validate();
        var control = NetworkRunDirectory.CheckControl(request.Control, request.OutDir, observer.Note);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var splits = Datasets.Load(options.Dataset, request.DataDir, observer.Note).ForClassification().Limit(options.TrainLimit, options.TestLimit);
        var all = splits.TrainAndValid();
        // train_limit caps the training images, the dataset's validation tail included (nothing is held out: the GA picks on training images).
        if (options.TrainLimit is { } limit && limit < all.Count)
            all = all.Take(limit);
        if (all.Count < options.Batch)
            throw InputException.ForSetting("batch", options.Batch, $"at most the {all.Count} training images (a generation scores one full minibatch)");
        // Every generation scores a full minibatch: the images past the last whole batch do not train.
        var train = all.Take(all.Count / options.Batch * options.Batch);
        var visible = train.Features;
        var layout = new TiedPopulationLayout(visible, options.Hidden);
        run.Create();

        using var lanes = new IslandLanes(backend, options.Islands);
        var islands = new List<Island>();
        try
        {
            for (var i = 0; i < options.Islands; i++)
                islands.Add(new Island(lanes.For(i), i, layout, options.Population, options.Batch, options.Operators(visible)));
            using var migration = new LocalMigration(options.Topology, options.Migrants, options.Seed);
            using var step = new GaStep(backend, options, islands, migration,
                options.FixedMinibatch ? train.Pixels.AsSpan(0, options.Batch * visible).ToArray() : null);
            using var trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, options.Batch, options.MemeticLearningRate), train.Pixels, train.Count);
            using var scoring = new ScoringImages(backend, train.Take(Math.Min(ScoredImages, train.Count) / options.Batch * options.Batch), options.Batch);
            using var test = backend.Allocate<float>(splits.Test.Count, visible);
            test.CopyFrom(splits.Test.Pixels);
            var metrics = new GaMetrics("tied sigmoid autoencoders trained by a genetic algorithm", train.Name, backend.Name, options, train.Count, splits.Test.Count,
                [], []);
            if (saved is null)
                foreach (var island in islands)
                    island.Initialize(options.Seed);
            else
            {
                foreach (var island in islands)
                    island.Population.CopyFrom(DaeCheckpoint.Tensor(statePath, saved.File, PopulationName(island.Index), [options.Population, layout.Parameters]));
                trainer.Restore(saved.EpochsDone, saved.StepsDone, saved.Position, saved.Losses);
                step.Generation = saved.StepsDone;
                step.Reports.AddRange(saved.Generations.Where(g => g.Generation < saved.StepsDone));
                metrics.Epochs.AddRange((MetricsFile.Read<GaMetrics>(outDir, RunKind.TrainGa)?.Epochs ?? []).Where(e => e.Epoch <= saved.EpochsDone));
            }
            if (trainer.EpochsDone < options.Epochs)
                observer.Started(new RunStart(backend.Name, options.Summary(visible, train.Count, splits.Test.Count), trainer.EpochsDone + 1, options.Epochs));

            GaEpochReport? last = metrics.Epochs.LastOrDefault();
            // The last epoch's best individual as it was chosen (its row may be replaced in the generations after): what every
            // checkpoint until the next epoch's end saves as the model; before the first, individual 0 of island 0 as it starts.
            var bestRow = last is null ? null : SavedModelRow(modelPath, layout);
            void Stage(CheckpointCommit commit)
            {
                backend.Synchronize();
                var row = bestRow ?? islands[0].Row(0);
                commit.Stage(modelPath, Checkpoint.ModelFile(options.Network(visible), ModelTensors(layout, row), ModelMetadata(options, last)).Write);
                var tensors = islands.Select(island => new NamedTensor(PopulationName(island.Index), [options.Population, layout.Parameters], island.Population.ToArray())).ToList();
                var metadata = new Dictionary<string, string>
                {
                    [DaeCheckpoint.FormatKey] = StateFormat,
                    [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
                    [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
                    [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
                    [NetworkTrainState.BestLossKey] = "Infinity",
                    [GenerationsKey] = JsonSerializer.Serialize(step.Reports, DaeCheckpoint.Json),
                };
                if (trainer.Position > 0)
                {
                    var partial = trainer.PartialLosses();
                    metadata[DaeCheckpoint.PositionKey] = partial.Length.ToString(CultureInfo.InvariantCulture);
                    tensors.Add(new NamedTensor(DaeCheckpoint.PartialLossesName, [partial.Length], partial));
                }
                commit.Stage(statePath, new SafeTensorsFile(tensors, metadata).Write);
            }
            var commits = new EpochCommits(outDir, trainer, Stage);
            while (trainer.EpochsDone < options.Epochs)
            {
                var epoch = commits.RunEpochOrThrow(observer, control);
                var (bestIsland, bestIndividual, scoredLoss) = scoring.Best(islands, options.Loss);
                bestRow = islands[bestIsland].Row(bestIndividual);
                using var model = layout.Model(backend, bestRow);
                var testLoss = TestLoss(model, test, options.Loss);
                if (!double.IsFinite(scoredLoss) || !double.IsFinite(testLoss))
                    throw commits.WithLastCheckpoint(new TrainingDivergedException(trainer.EpochsDone, trainer.StepsDone, double.IsFinite(scoredLoss) ? testLoss : scoredLoss,
                        quantity: "reconstruction loss"));
                last = new GaEpochReport(trainer.EpochsDone, epoch.TrainLoss, step.Generation, scoredLoss, testLoss, bestIsland, bestIndividual, epoch.Seconds, epoch.SamplesPerSecond);
                metrics.Epochs.RemoveAll(e => e.Epoch >= last.Epoch);
                metrics.Epochs.Add(last);
                metrics.Generations.Clear();
                metrics.Generations.AddRange(step.Reports);
                commits.EpochDone(metrics);
                TrainingCurves.WriteFile(Path.Combine(outDir, FitnessFileName), FitnessCurves(metrics));
                if (splits.Train.Rows * splits.Train.Rows == visible)
                {
                    LayerPictures.WriteFilters(Path.Combine(outDir, LayerPictures.FiltersFileName), model, splits.Train.Rows);
                    LayerPictures.WriteReconstructions(Path.Combine(outDir, LayerPictures.ReconstructionsFileName), model, splits.Test, options.Seed, options.Corruption);
                }
                observer.EpochDone(last);
                if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.Epochs)
                    throw commits.Stopped();
            }
            return metrics;
        }
        finally
        {
            foreach (var island in islands)
                island.Dispose();
        }
    }

    /// <summary>fitness.png: the best, mean and worst loss on each generation's minibatch, island by island, and the population's diversity.</summary>
    public static IReadOnlyList<CurvePanel> FitnessCurves(GaMetrics metrics)
    {
        var islands = metrics.Generations.Select(g => g.Island).Distinct().Order().ToList();
        var many = islands.Count > 1;
        List<CurveSeries> losses = [], diversity = [];
        foreach (var island in islands)
        {
            var rows = metrics.Generations.Where(g => g.Island == island).OrderBy(g => g.Generation).ToList();
            var x = rows.Select(g => (int)g.Generation).ToArray();
            var suffix = many ? $", island {island}" : "";
            losses.Add(new CurveSeries($"best{suffix}", x, [.. rows.Select(g => g.Best)], CurveStyle.Line, 3 * island));
            losses.Add(new CurveSeries($"mean{suffix}", x, [.. rows.Select(g => g.Mean)], CurveStyle.DashedLine, 3 * island + 1));
            if (!many)
                losses.Add(new CurveSeries("worst", x, [.. rows.Select(g => g.Worst)], CurveStyle.DashedLine, 2));
            diversity.Add(new CurveSeries($"diversity{suffix}", x, [.. rows.Select(g => g.Diversity)], CurveStyle.Line, 3 * island));
        }
        var o = metrics.Options;
        return
        [
            new CurvePanel($"GA on {Datasets.Info(o.Dataset).DisplayName}: {o.Islands}×{o.Population} tied autoencoders, {o.Hidden} hidden", "loss on the generation's minibatch", losses,
                XLabel: "generation"),
            new CurvePanel("diversity: mean over genes of the population's standard deviation", "diversity", diversity, XLabel: "generation"),
        ];
    }

    /// <summary>The options a `train ga` run in <paramref name="directory"/> was saved with, or null when it has no train_state.safetensors.</summary>
    public static GaOptions? SavedOptions(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.StateFileName);
        return File.Exists(path) ? SavedState.Read(path).Options : null;
    }

    /// <summary>The clean reconstruction loss per image of <paramref name="model"/> on <paramref name="images"/>, as `eval` computes it.</summary>
    internal static double TestLoss(TiedAutoencoder model, Tensor<float> images, LossKind loss)
    {
        using var evaluator = new ReconstructionEvaluator(model, images);
        return evaluator.MeanLoss(loss);
    }

    private static string PopulationName(int island) => $"island{island}.population";

    /// <summary>A resumed run's kept individual: model.safetensors' W, b_hidden and b_visible as one row.</summary>
    private static float[] SavedModelRow(string path, TiedPopulationLayout layout)
    {
        var file = SafeTensorsFile.Read(path);
        return
        [
            .. DaeCheckpoint.Tensor(path, file, TiedAutoencoder.WeightName, [layout.Hidden, layout.Visible]),
            .. DaeCheckpoint.Tensor(path, file, TiedAutoencoder.HiddenBiasName, [layout.Hidden]),
            .. DaeCheckpoint.Tensor(path, file, TiedAutoencoder.VisibleBiasName, [layout.Visible]),
        ];
    }

    private static IEnumerable<NamedTensor> ModelTensors(TiedPopulationLayout layout, float[] row) =>
    [
        new(TiedAutoencoder.WeightName, [layout.Hidden, layout.Visible], row[..layout.HiddenBiasOffset]),
        new(TiedAutoencoder.HiddenBiasName, [layout.Hidden], row[layout.HiddenBiasOffset..layout.VisibleBiasOffset]),
        new(TiedAutoencoder.VisibleBiasName, [layout.Visible], row[layout.VisibleBiasOffset..]),
    ];

    /// <summary>
    /// model.safetensors' metadata as `train dae` writes it (its format, the architecture, and as its options the tied autoencoder's
    /// own settings: dataset, hidden, corruption, loss, seed, batch, epochs), so `eval` and the other model readers take the file
    /// unchanged; the GA's options and the individual's provenance beside them.
    /// </summary>
    private static Dictionary<string, string> ModelMetadata(GaOptions options, GaEpochReport? last)
    {
        var dae = new DaeOptions
        {
            Dataset = options.Dataset,
            Hidden = options.Hidden,
            Corruption = options.Corruption,
            Loss = options.Loss,
            Batch = options.Batch,
            Epochs = options.Epochs,
            Seed = options.Seed,
            TrainLimit = options.TrainLimit,
            TestLimit = options.TestLimit,
        };
        var metadata = new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = DaeCheckpoint.Format,
            [ModelDataset.Key] = Datasets.Info(options.Dataset).Name,
            [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(dae, DaeCheckpoint.Json),
            ["trained_by"] = Format,
            ["ga_options"] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            ["loss"] = options.Loss.ToString(),
            [DaeCheckpoint.EpochsKey] = (last?.Epoch ?? 0).ToString(CultureInfo.InvariantCulture),
        };
        if (last is not null)
        {
            metadata["island"] = last.BestIsland.ToString(CultureInfo.InvariantCulture);
            metadata["individual"] = last.BestIndividual.ToString(CultureInfo.InvariantCulture);
            metadata["scored_loss"] = last.ScoredLoss.ToString("R", CultureInfo.InvariantCulture);
            metadata["test_loss"] = last.TestLoss.ToString("R", CultureInfo.InvariantCulture);
        }
        return metadata;
    }

    /// <summary>
    /// The scoring images [S, V] in minibatches of the run's batch, and the best individual of all islands by its mean loss over them
    /// (clean inputs), each island's population scored by its own evaluator.
    /// </summary>
    internal sealed class ScoringImages : IDisposable
    {
        private readonly List<Tensor<float>> chunks = [];

        public ScoringImages(IBackend backend, Dataset images, int batch)
        {
            var v = images.Features;
            for (var start = 0; start + batch <= images.Count; start += batch)
            {
                var chunk = backend.Allocate<float>(batch, v);
                chunk.CopyFrom(images.Pixels.AsSpan(start * v, batch * v));
                chunks.Add(chunk);
            }
        }

        public (int Island, int Individual, double Loss) Best(IReadOnlyList<Island> islands, LossKind loss)
        {
            var best = (Island: 0, Individual: 0, Loss: double.PositiveInfinity);
            foreach (var island in islands)
            {
                var sums = new double[island.Individuals];
                var fitness = new float[island.Individuals];
                foreach (var chunk in chunks)
                {
                    island.Evaluator.Evaluate(island.Population, chunk, loss);
                    island.Fitness.CopyTo(fitness);
                    for (var i = 0; i < sums.Length; i++)
                        sums[i] += fitness[i];
                }
                for (var i = 0; i < sums.Length; i++)
                    if (sums[i] / chunks.Count < best.Loss)
                        best = (island.Index, i, sums[i] / chunks.Count);
            }
            return best;
        }

        public void Dispose()
        {
            foreach (var chunk in chunks)
                chunk.Dispose();
        }
    }

    private sealed record SavedState(SafeTensorsFile File, GaOptions Options, int EpochsDone, long StepsDone, int Position, float[] Losses,
        List<GaGenerationReport> Generations)
    {
        public static SavedState Read(string path)
        {
            var file = NetworkTrainState.Read(path, StateFormat, Verb);
            var options = DaeCheckpoint.ReadJson<GaOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
            var epochs = DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey);
            if (epochs < 0 || epochs > options.Epochs)
                throw new InputException($"{path}: __metadata__.{DaeCheckpoint.EpochsKey} is {epochs}; expected 0 … {options.Epochs}");
            var (steps, position, losses, _) = NetworkTrainState.ReadProgress(path, file, options.Batch);
            List<GaGenerationReport>? generations = null;
            if (file.Metadata.TryGetValue(GenerationsKey, out var text))
            {
                try
                {
                    generations = JsonSerializer.Deserialize<List<GaGenerationReport>>(text, DaeCheckpoint.Json);
                }
                catch (JsonException e)
                {
                    throw new InputException($"{path}: __metadata__.{GenerationsKey} is not the JSON list `{Verb}` writes ({e.Message})");
                }
            }
            return new SavedState(file, options, epochs, steps, position, losses,
                generations ?? throw new InputException($"{path}: __metadata__.{GenerationsKey} is missing; expected the generations' statistics `{Verb}` writes"));
        }
    }
}
