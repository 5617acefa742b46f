namespace ILGPUAE.Host.Genetic;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Host.Corruption;
using ILGPUAE.Host.Threading;
using ILGPUAE.Random;

/// <summary>
/// <see cref="IGenetic"/> on the host: the decisions of <see cref="GeneticRules"/> (the ILGPU kernels' own code), slots, individuals or
/// rows split across the pool; each offspring row mixes its counter prefix once (<see cref="CounterRng.Prefix"/>) and draws one last
/// round per gene, the same bits as the kernels' full hash.
/// </summary>
internal sealed unsafe class HostGenetic : IGenetic
{
    /// <summary>A gene costs a hash or two: parts of a few thousand genes are worth a hand-off.</summary>
    private const long MinimumGenesPerPart = 1 << 13;

    /// <summary>A selection slot or a rank costs a scan of N losses.</summary>
    private const long MinimumComparesPerPart = 1 << 14;

    /// <summary>Genes per block of the diversity's column sweep: its means stay on the stack.</summary>
    private const int DiversityBlock = 256;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly SelectJob select = new();
    private readonly RankJob rank = new();
    private readonly CrossoverJob crossover = new();
    private readonly MutateJob mutate = new();
    private readonly DeviationsJob deviations = new();

    public HostGenetic(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void Select(Tensor<float> fitness, GenerationKey key, Selection selection, Tensor<int> parents)
    {
        selection.ThrowIfInvalid();
        Shapes.GeneticSelect(fitness, parents);
        var n = fitness.Length;
        select.Set(new SelectArgs(backend.PointerOf(fitness, nameof(fitness)), backend.PointerOf(parents, nameof(parents)), n, key, selection), parents.Length);
        var costPerSlot = selection.Kind == SelectionKind.Tournament ? selection.TournamentSize : 3L * n;
        pool.Run(select, parents.Length * costPerSlot, MinimumComparesPerPart);
    }

    public void Rank(Tensor<float> fitness, Tensor<int> ranks, Tensor<int> order)
    {
        Shapes.GeneticRank(fitness, ranks, order);
        var n = fitness.Length;
        rank.Set(new RankArgs(backend.PointerOf(fitness, nameof(fitness)), backend.PointerOf(ranks, nameof(ranks)), backend.PointerOf(order, nameof(order)), n), n);
        pool.Run(rank, (long)n * n, MinimumComparesPerPart);
    }

    public void ScatterRows(Tensor<float> source, Tensor<int> destinations, Tensor<float> target)
    {
        Shapes.ScatterRows(source, destinations, target);
        var ps = backend.PointerOf(source, nameof(source));
        var pd = backend.PointerOf(destinations, nameof(destinations));
        var pt = backend.PointerOf(target, nameof(target));
        var length = source.RowLength;
        for (var j = 0; j < destinations.Length; j++)
        {
            if ((uint)pd[j] >= (uint)target.Shape[0])
                throw new ArgumentOutOfRangeException(nameof(destinations), pd[j], $"destination {j} is outside target's {target.Shape[0]} rows");
            new ReadOnlySpan<float>(ps + (long)j * length, length).CopyTo(new Span<float>(pt + (long)pd[j] * length, length));
        }
    }

    public void Crossover(Tensor<float> population, Tensor<int> parents, GenerationKey key, Crossover crossover, Tensor<float> offspring)
    {
        crossover.ThrowIfInvalid();
        Shapes.GeneticCrossover(population, parents, offspring);
        var pp = backend.PointerOf(parents, nameof(parents));
        for (var s = 0; s < parents.Length; s++)
            if ((uint)pp[s] >= (uint)population.Shape[0])
                throw new ArgumentOutOfRangeException(nameof(parents), pp[s], $"parent {s} is outside population's {population.Shape[0]} rows");
        this.crossover.Set(new CrossoverArgs(backend.PointerOf(population, nameof(population)), pp, backend.PointerOf(offspring, nameof(offspring)),
            offspring.Shape[1], key, crossover), offspring.Length);
        pool.Run(this.crossover, offspring.Length, MinimumGenesPerPart);
    }

    public void Mutate(Tensor<float> offspring, GenerationKey key, Mutation mutation)
    {
        mutation.ThrowIfInvalid();
        Shapes.RequireRank2(offspring, nameof(offspring));
        mutate.Set(new MutateArgs(backend.PointerOf(offspring, nameof(offspring)), offspring.Shape[1], key, mutation), offspring.Length);
        pool.Run(mutate, offspring.Length, MinimumGenesPerPart);
    }

    /// <summary>The per-gene deviations in parallel blocks of genes, then their sum in gene order on the caller.</summary>
    public void Diversity(Tensor<float> population, Tensor<float> deviations, Tensor<float> diversity)
    {
        Shapes.GeneticDiversity(population, deviations, diversity);
        var (n, p) = (population.Shape[0], population.Shape[1]);
        var pd = backend.PointerOf(deviations, nameof(deviations));
        this.deviations.Set(new DeviationsArgs(backend.PointerOf(population, nameof(population)), pd, n, p), (p + DiversityBlock - 1) / DiversityBlock);
        pool.Run(this.deviations, (long)n * p, MinimumGenesPerPart);
        var sum = 0f;
        for (var g = 0; g < p; g++)
            sum += pd[g];
        *backend.PointerOf(diversity, nameof(diversity)) = sum * (1f / p);
    }

    private readonly struct SelectArgs(float* fitness, int* parents, int n, GenerationKey key, Selection selection)
    {
        public readonly float* Fitness = fitness;
        public readonly int* Parents = parents;
        public readonly int N = n;
        public readonly GenerationKey Key = key;
        public readonly Selection Selection = selection;
    }

    /// <summary>Slots [start, end): the tournament's winner or the roulette's pick, as GeneticKernels.Tournament and .Roulette make them.</summary>
    private sealed class SelectJob : RangeJob<SelectArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var f = Args.Fitness;
            var (n, key) = (Args.N, Args.Key);
            for (var s = start; s < end; s++)
            {
                var prefix = CounterRng.Prefix(key.Seed, (uint)RngStream.GeneticSelection, key.Generation, (uint)s);
                Args.Parents[s] = Args.Selection.Kind == SelectionKind.Tournament
                    ? Tournament(f, n, prefix, Args.Selection.TournamentSize)
                    : Roulette(f, n, CounterRng.Last(prefix, 0));
            }
        }

        private static int Tournament(float* f, int n, ulong prefix, int size)
        {
            var best = GeneticRules.Below((uint)(CounterRng.Last(prefix, 0) >> 32), n);
            for (var j = 1; j < size; j++)
            {
                var entrant = GeneticRules.Below((uint)(CounterRng.Last(prefix, (uint)j) >> 32), n);
                if (GeneticRules.Before(f[entrant], entrant, f[best], best))
                    best = entrant;
            }
            return best;
        }

        private static int Roulette(float* f, int n, ulong draw)
        {
            var (hi, lo) = (float.NegativeInfinity, float.PositiveInfinity);
            for (var i = 0; i < n; i++)
                if (GeneticRules.IsFinite(f[i]))
                    (hi, lo) = (MathF.Max(hi, f[i]), MathF.Min(lo, f[i]));
            var total = 0f;
            var last = -1;
            for (var i = 0; i < n; i++)
            {
                var w = GeneticRules.RouletteWeight(f[i], hi, lo);
                total += w;
                if (w > 0f)
                    last = i;
            }
            if (!(total > 0f))
                return GeneticRules.Below((uint)(draw >> 32), n);
            var target = GeneticRules.Unit(draw) * total;
            var running = 0f;
            for (var i = 0; i < last; i++)
            {
                running += GeneticRules.RouletteWeight(f[i], hi, lo);
                if (running > target)
                    return i;
            }
            return last;
        }
    }

    private readonly struct RankArgs(float* fitness, int* ranks, int* order, int n)
    {
        public readonly float* Fitness = fitness;
        public readonly int* Ranks = ranks, Order = order;
        public readonly int N = n;
    }

    /// <summary>Individuals [start, end): how many rank before each; its inverse into order.</summary>
    private sealed class RankJob : RangeJob<RankArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var f = Args.Fitness;
            for (var i = start; i < end; i++)
            {
                var rank = 0;
                for (var j = 0; j < Args.N; j++)
                    if (GeneticRules.Before(f[j], j, f[i], i))
                        rank++;
                Args.Ranks[i] = rank;
                Args.Order[rank] = i;
            }
        }
    }

    private readonly struct CrossoverArgs(float* population, int* parents, float* offspring, int genes, GenerationKey key, Crossover crossover)
    {
        public readonly float* Population = population, Offspring = offspring;
        public readonly int* Parents = parents;
        public readonly int Genes = genes;
        public readonly GenerationKey Key = key;
        public readonly Crossover Crossover = crossover;
    }

    /// <summary>Elements [start, end) of offspring [O, P], a row segment at a time: the row's cuts once, then one draw per gene where the kind needs it.</summary>
    private sealed class CrossoverJob : RangeJob<CrossoverArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (p, key, kind, alpha) = (Args.Genes, Args.Key, Args.Crossover.Kind, Args.Crossover.Alpha);
            for (var e = start; e < end;)
            {
                var j = e / p;
                var (from, to) = (e - j * p, Math.Min(p, end - j * p));
                var a = Args.Population + (long)Args.Parents[2 * j] * p;
                var b = Args.Population + (long)Args.Parents[2 * j + 1] * p;
                var row = Args.Offspring + (long)j * p;
                var prefix = CounterRng.Prefix(key.Seed, (uint)RngStream.GeneticCrossover, key.Generation, (uint)j);
                var (cut1, cut2) = (0, 0);
                if (kind == CrossoverKind.OnePoint)
                {
                    cut1 = GeneticRules.OnePointCut((uint)(CounterRng.Last(prefix, 0) >> 32), p);
                }
                else if (kind == CrossoverKind.TwoPoint)
                {
                    var x = GeneticRules.Below((uint)(CounterRng.Last(prefix, 0) >> 32), p + 1);
                    var y = GeneticRules.Below((uint)(CounterRng.Last(prefix, 1) >> 32), p + 1);
                    (cut1, cut2) = (Math.Min(x, y), Math.Max(x, y));
                }
                if (kind == CrossoverKind.Uniform)
                    Uniform(a, b, row, from, to, prefix);
                else if (GeneticRules.DrawsPerGene(kind))
                    for (var g = from; g < to; g++)
                        row[g] = GeneticRules.Cross(kind, a[g], b[g], g, cut1, cut2, CounterRng.Last(prefix, (uint)g), alpha);
                else if (kind == CrossoverKind.OnePoint)
                {
                    Copy(a, row, from, Math.Min(cut1, to));
                    Copy(b, row, Math.Max(from, cut1), to);
                }
                else
                {
                    Copy(a, row, from, Math.Min(cut1, to));
                    Copy(b, row, Math.Max(from, cut1), Math.Min(cut2, to));
                    Copy(a, row, Math.Max(from, cut2), to);
                }
                e = j * p + to;
            }
        }

        /// <summary>row[lo .. hi) = parent[lo .. hi): the cut kinds take whole runs of one parent (GeneticRules.Cross's choice, run by run).</summary>
        private static void Copy(float* parent, float* row, int lo, int hi)
        {
            if (lo < hi)
                new ReadOnlySpan<float>(parent + lo, hi - lo).CopyTo(new Span<float>(row + lo, hi - lo));
        }

        /// <summary>
        /// Genes [from, to) of a uniform crossover 16 at a time: bit 63 of the draw is 1 exactly where its Hash32 is ≥ 2³¹, which is
        /// HostCorruption.KeepBits16 at threshold 2³¹ (the same integer arithmetic in 8 lanes of 64 bits); those genes come from b.
        /// </summary>
        private static void Uniform(float* a, float* b, float* row, int from, int to, ulong prefix)
        {
            var g = from;
            for (; g + 16 <= to; g += 16)
            {
                var fromB = HostCorruption.KeepBits16(prefix, g, 1UL << 31).AsSingle();
                Vector512.ConditionalSelect(fromB, Vector512.Load(b + g), Vector512.Load(a + g)).Store(row + g);
            }
            for (; g < to; g++)
                row[g] = GeneticRules.Cross(CrossoverKind.Uniform, a[g], b[g], g, 0, 0, CounterRng.Last(prefix, (uint)g), 0f);
        }
    }

    private readonly struct MutateArgs(float* offspring, int genes, GenerationKey key, Mutation mutation)
    {
        public readonly float* Offspring = offspring;
        public readonly int Genes = genes;
        public readonly GenerationKey Key = key;
        public readonly Mutation Mutation = mutation;
        public readonly ulong Threshold = CounterRng.BernoulliThreshold(mutation.Rate);
    }

    /// <summary>Elements [start, end) of offspring [O, P] mutated in place, a row segment at a time (two prefixes per row: which genes, their values).</summary>
    private sealed class MutateJob : RangeJob<MutateArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (p, key, kind, amount, threshold) = (Args.Genes, Args.Key, Args.Mutation.Kind, Args.Mutation.Amount, Args.Threshold);
            if (threshold == 0)
                return;
            for (var e = start; e < end;)
            {
                var j = e / p;
                var (from, to) = (e - j * p, Math.Min(p, end - j * p));
                var row = Args.Offspring + (long)j * p;
                var which = CounterRng.Prefix(key.Seed, (uint)RngStream.GeneticMutation, key.Generation, (uint)j);
                var value = CounterRng.Prefix(key.Seed, (uint)RngStream.GeneticMutationValue, key.Generation, (uint)j);
                var g = from;
                // 16 genes' draws at once (HostCorruption.KeepBits16: all ones where a gene is kept); a block that keeps all is skipped.
                for (; g + 16 <= to; g += 16)
                {
                    var keep = HostCorruption.KeepBits16(which, g, threshold);
                    if (keep == Vector512<int>.AllBitsSet)
                        continue;
                    for (var k = 0; k < 16; k++)
                        if (keep[k] == 0)
                            row[g + k] = GeneticRules.Mutated(kind, row[g + k], CounterRng.Last(value, (uint)(g + k)), amount);
                }
                for (; g < to; g++)
                    if ((CounterRng.Last(which, (uint)g) >> 32) < threshold)
                        row[g] = GeneticRules.Mutated(kind, row[g], CounterRng.Last(value, (uint)g), amount);
                e = j * p + to;
            }
        }
    }

    private readonly struct DeviationsArgs(float* population, float* deviations, int n, int p)
    {
        public readonly float* Population = population, Deviations = deviations;
        public readonly int N = n, P = p;
    }

    /// <summary>
    /// Blocks [start, end) of <see cref="DiversityBlock"/> genes: the block's means (on the stack), then Σ (x − μ)² into deviations, each a sweep
    /// down the rows in Vector512 across the block's genes; then the square roots.
    /// </summary>
    private sealed class DeviationsJob : RangeJob<DeviationsArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var x = Args.Population;
            var dev = Args.Deviations;
            var (n, p) = (Args.N, Args.P);
            var means = stackalloc float[DiversityBlock];
            for (var block = start; block < end; block++)
            {
                var g0 = block * DiversityBlock;
                var width = Math.Min(DiversityBlock, p - g0);
                new Span<float>(means, width).Clear();
                new Span<float>(dev + g0, width).Clear();
                for (var i = 0; i < n; i++)
                    Add(means, x + (long)i * p + g0, width);
                var scale = 1f / n;
                for (var g = 0; g < width; g++)
                    means[g] = means[g] * scale;
                for (var i = 0; i < n; i++)
                    AddSquaredDifferences(dev + g0, x + (long)i * p + g0, means, width);
                for (var g = 0; g < width; g++)
                    dev[g0 + g] = MathF.Sqrt(dev[g0 + g] * scale);
            }
        }

        private static void Add(float* sums, float* row, int width)
        {
            var g = 0;
            for (; g + Vector512<float>.Count <= width; g += Vector512<float>.Count)
                (Vector512.Load(sums + g) + Vector512.Load(row + g)).Store(sums + g);
            for (; g < width; g++)
                sums[g] += row[g];
        }

        private static void AddSquaredDifferences(float* sums, float* row, float* means, int width)
        {
            var g = 0;
            for (; g + Vector512<float>.Count <= width; g += Vector512<float>.Count)
            {
                var d = Vector512.Load(row + g) - Vector512.Load(means + g);
                (Vector512.Load(sums + g) + d * d).Store(sums + g);
            }
            for (; g < width; g++)
            {
                var d = row[g] - means[g];
                sums[g] += d * d;
            }
        }
    }
}
