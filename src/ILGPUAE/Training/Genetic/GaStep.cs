namespace ILGPUAE.Training.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>One generation's statistics on one island: the losses of its N individuals on the generation's minibatch, and its diversity.</summary>
public sealed record GaGenerationReport(long Generation, int Island, double Best, double Mean, double Worst, double Diversity);

/// <summary>
/// A genetic algorithm as a step of the one <see cref="Trainer"/>: each batch is one generation (Algorithm 2 of the paper) on every
/// island — score all individuals on the minibatch (corrupted as the options say, the clean images the target), record their
/// statistics, migrate every <see cref="GaOptions.MigrationInterval"/> generations, then select, cross and mutate
/// <see cref="GaOptions.OffspringCount"/> offspring, optionally train each by a few SGD steps on the same minibatch (memetic,
/// Lamarckian: the trained weights are what joins), and let them replace the least fit. The trainer's per-example losses are the
/// generation's best fitness. Only the fitness statistics come to the host per generation.
/// </summary>
public sealed class GaStep : ITrainingStep
{
    private readonly IBackend backend;
    private readonly GaOptions options;
    private readonly IMigration migration;
    private readonly Tensor<float> x;
    private readonly Tensor<float>? fixedX;
    private readonly Tensor<int>? fixedIndices;
    private readonly float[][] hostFitness, hostDiversity;
    private readonly float[] hostLosses;
    private readonly Dictionary<IBackend, Memetic> memetic = new(ReferenceEqualityComparer.Instance);
    private readonly Island[][] byBackend;

    /// <param name="fixedMinibatch">With <see cref="GaOptions.FixedMinibatch"/>: the images every generation scores, [batch, visible].</param>
    public GaStep(IBackend backend, GaOptions options, IReadOnlyList<Island> islands, IMigration migration, float[]? fixedMinibatch = null)
    {
        this.backend = backend;
        this.options = options;
        this.migration = migration;
        Islands = islands;
        var layout = islands[0].Layout;
        x = backend.Allocate<float>(options.Batch, layout.Visible);
        if (options.FixedMinibatch)
        {
            fixedX = backend.Allocate<float>(options.Batch, layout.Visible);
            fixedX.CopyFrom(fixedMinibatch ?? throw new ArgumentNullException(nameof(fixedMinibatch), "a fixed minibatch run needs its images"));
            fixedIndices = backend.Allocate<int>(options.Batch);
            fixedIndices.CopyFrom([.. Enumerable.Range(0, options.Batch)]);
        }
        hostFitness = [.. islands.Select(i => new float[i.Individuals])];
        hostDiversity = [.. islands.Select(_ => new float[1])];
        hostLosses = new float[options.Batch];
        // Islands on different lanes (IslandLanes) evolve at once, each lane's in turn on its own thread.
        byBackend = [.. islands.GroupBy(i => i.Backend, ReferenceEqualityComparer.Instance).Select(g => g.ToArray())];
        if (options.MemeticSteps > 0)
            foreach (var group in byBackend)
                memetic[group[0].Backend] = new Memetic(group[0].Backend, options, layout, group[0].Operators.Offspring);
    }

    public IReadOnlyList<Island> Islands { get; }

    /// <summary>Generations done (the next one's number); a resumed run sets it to the trainer's steps.</summary>
    public long Generation { get; set; }

    /// <summary>Every generation's statistics, island by island, since the run began (a resumed run restores them).</summary>
    public List<GaGenerationReport> Reports { get; } = [];

    public int Chunk => 0;
    public int Workers => 1;
    public Optimizer? Optimizer => null;

    public void Run(int worker, in TrainingBatch batch)
    {
        if (batch.Context.Rows != options.Batch)
            throw new ArgumentException($"a generation scores batches of {options.Batch} images, not {batch.Context.Rows}");
        var generation = (uint)Generation;
        var (images, indices) = fixedX is not null ? (fixedX, fixedIndices!) : (x, batch.Context.Indices);
        if (fixedX is null)
            backend.Corruption.Gather(batch.Data, indices, x);
        FitnessNoise? noise = options.Corruption > 0f
            ? new FitnessNoise(CorruptionNoise.Masking(options.Corruption), Corrupt.KeyOf(options.Seed, RngStream.Mask, generation, 0), indices)
            : null;
        ForEachIsland(island =>
        {
            island.Evaluator.Evaluate(island.Population, images, options.Loss, noise);
            island.Fitness.CopyTo(hostFitness[island.Index]);
            island.Operators.Diversity(island.Population).CopyTo(hostDiversity[island.Index]);
        });
        var best = double.PositiveInfinity;
        foreach (var island in Islands)
        {
            var (lo, mean, hi) = Statistics(hostFitness[island.Index]);
            Reports.Add(new GaGenerationReport(Generation, island.Index, lo, mean, hi, hostDiversity[island.Index][0]));
            best = Math.Min(best, lo);
        }
        if (Islands.Count > 1 && Generation > 0 && Generation % options.MigrationInterval == 0)
            migration.Migrate(Islands, generation);
        var sigma = options.MutationAmount(Generation);
        var (data, context) = (fixedX ?? batch.Data, batch.Context with { Indices = indices });
        ForEachIsland(island =>
        {
            island.Operators.Breed(island.Population, island.Fitness, generation, sigma);
            if (memetic.TryGetValue(island.Backend, out var trainer))
                trainer.Train(island.Operators.Offspring, data, context);
            island.Operators.Replace(island.Population, island.Fitness);
        });
        Array.Fill(hostLosses, (float)best);
        batch.Losses.CopyFrom(hostLosses.AsSpan(0, batch.Losses.Length));
        Generation++;
    }

    /// <summary>Runs <paramref name="work"/> on every island: the islands of one backend in order, several lanes' at once.</summary>
    private void ForEachIsland(Action<Island> work)
    {
        if (byBackend.Length == 1)
            foreach (var island in byBackend[0])
                work(island);
        else
            Parallel.For(0, byBackend.Length, new ParallelOptions { MaxDegreeOfParallelism = byBackend.Length }, lane =>
            {
                foreach (var island in byBackend[lane])
                    work(island);
            });
    }

    /// <summary>The best (lowest), mean and worst loss; a non-finite loss makes the mean and the worst NaN, so a diverged island shows.</summary>
    private static (double Best, double Mean, double Worst) Statistics(float[] losses)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, sum = 0;
        foreach (var f in losses)
        {
            if (!float.IsFinite(f))
                return (losses.Where(float.IsFinite).DefaultIfEmpty(float.NaN).Min(), double.NaN, double.NaN);
            lo = Math.Min(lo, f);
            hi = Math.Max(hi, f);
            sum += f;
        }
        return (lo, sum / losses.Length, hi);
    }

    public void Dispose()
    {
        x.Dispose();
        fixedX?.Dispose();
        fixedIndices?.Dispose();
        foreach (var trainer in memetic.Values)
            trainer.Dispose();
    }

    /// <summary>
    /// The memetic step: each offspring row is copied into one scratch individual, trained by <see cref="GaOptions.MemeticSteps"/> plain
    /// SGD steps of <see cref="Networks.TiedDae"/> (the ordinary network over views of the scratch row) on the generation's minibatch,
    /// and copied back.
    /// </summary>
    private sealed class Memetic : IDisposable
    {
        private readonly GaOptions options;
        private readonly IBackend backend;
        private readonly Tensor<float> scratch, losses;
        private readonly Tensor<int> rows, zero;
        private readonly Network network;
        private readonly Optimizer optimizer;

        public Memetic(IBackend backend, GaOptions options, TiedPopulationLayout layout, Tensor<float> offspring)
        {
            this.backend = backend;
            this.options = options;
            scratch = backend.Allocate<float>(1, layout.Parameters);
            losses = backend.Allocate<float>(options.Batch);
            var count = offspring.Shape[0];
            rows = backend.Allocate<int>(count);
            rows.CopyFrom([.. Enumerable.Range(0, count)]);
            zero = backend.Allocate<int>(1);
            zero.CopyFrom([0]);
            network = options.Network(layout.Visible).Build(backend, options.Batch, layout.Values(scratch, 0));
            optimizer = new Optimizer(backend, network.TrainedParameters, new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = options.MemeticLearningRate });
        }

        /// <summary>Trains every row of <paramref name="offspring"/> on rows <paramref name="context"/>.Indices of <paramref name="data"/>.</summary>
        public void Train(Tensor<float> offspring, Tensor<float> data, in StepContext context)
        {
            var p = scratch.Shape[1];
            for (var j = 0; j < offspring.Shape[0]; j++)
            {
                var row = offspring.View(j * p, 1, p);
                backend.Genetic.ScatterRows(row, zero, scratch);
                for (var s = 0; s < options.MemeticSteps; s++)
                {
                    network.ForwardBackward(data, context, losses);
                    optimizer.Step();
                }
                backend.Genetic.ScatterRows(scratch, rows.Slice(j, 1), offspring);
            }
        }

        public void Dispose()
        {
            network.Dispose();
            optimizer.Dispose();
            scratch.Dispose();
            losses.Dispose();
            rows.Dispose();
            zero.Dispose();
        }
    }
}
