namespace ILGPUAE.Tests.Kernels;

using System.Text.RegularExpressions;
using ILGPUAE.Checks;

/// <summary>
/// How many checks <see cref="KernelChecks.All"/> runs per family at one size, derived from its structure, so that a
/// family that yields nothing (a backend whose family is null, a loop that no longer runs) fails instead of
/// vanishing from an all-passed list. A family is recognised by its kernel names; names that no family here knows
/// (a family added since) are allowed and listed in the message, and belong in this table once they exist.
/// </summary>
public static class KernelCheckFamilies
{
    private const int TransposePairs = 2 * 2;

    // Declared before Families, which their initialisers read (static fields initialise in textual order).
    private static readonly int NewerActivations = KernelChecks.NewerActivations.Count();
    private static readonly int CorruptionKinds = KernelChecks.CheckedCorruptions.Length;
    private static readonly int ActivationKinds = ILGPUAE.Activation.Activations.All.Count;
    private static readonly int ConvolutionCases = KernelChecks.CheckedConvolutions.Length + 1;
    private static readonly int PoolingPerSize = 2 + KernelChecks.PoolingGeometries.Length;
    private static readonly int CrossoverKinds = KernelChecks.CheckedCrossovers.Length;
    private static readonly int MutationKinds = KernelChecks.CheckedMutations.Length;

    /// <param name="Name">For messages.</param>
    /// <param name="Kernel">Matches the family's <see cref="CheckResult.Kernel"/> names and no other family's.</param>
    /// <param name="PerSize">Checks per size.</param>
    /// <param name="SampleSgd">Only on a backend with a SampleSgd family (none on the host provider).</param>
    private sealed record Family(string Name, Regex Kernel, int PerSize, bool SampleSgd = false);

    private static readonly Family[] Families =
    [
        // An ILGPU backend appends the kernel it picked ("gemm NT tile4x4"); the host provider appends nothing.
        new("gemm", new(@"^gemm [NT]{2}( [a-z0-9]+)?$"), TransposePairs * 3),           // (s,33,31), (7,s,32), (5,3,s) on each pair
        // GemmEpilogues: one pair per epilogue, for the sigmoid and then for each newer activation (tanh, ReLU).
        new("gemm with epilogue", new(@"^gemm [NT]{2} (\+bias\+|⊙)"), 4 * (1 + NewerActivations)),
        // bias+sigmoid, bias+identity, ⊙sigmoid′; then bias+act and ⊙act′ for each newer activation.
        new("gemm epilogue alone", new(@"^gemm epilogue "), 3 + 2 * NewerActivations),
        new("column sums", new(@"^column sums( alpha)?$"), 2 * 2),                       // (s,33), (3,s); alpha 1 and −0.37
        new("column sums pair", new(@"^column sums pair( alpha)?$"), 2 * 2),
        new("output delta", new(@"^output delta (mse|xent)$"), 2),
        new("bias+softmax", new(@"^bias\+softmax( large)?$"), 2),
        new("softmax xent delta", new(@"^softmax xent delta$"), 2),
        new("argmax", new(@"^argmax$"), 2),
        new("gather", new(@"^gather$"), 1),
        new("mask", new(@"^mask p="), 1),
        new("gather+mask", new(@"^gather\+mask p="), 1),
        new("sgd", new(@"^sgd( momentum)?$"), 2),
        new("sample sgd dae", new(@"^sample sgd dae (mse|xent)$"), 2, SampleSgd: true),
        new("sample sgd hogwild", new(@"^sample sgd hogwild (mse|xent)$"), 2, SampleSgd: true),
        // Three plain architectures, then four masked (SampleSgdMaskedClassifier).
        new("sample sgd classifier", new(@"^sample sgd classifier$"), 3 + 4, SampleSgd: true),
        // OptimizerRules: two SGD settings (one Nesterov), two RMSprop, Adam, AdamW; clipping above and below the limit.
        new("sgd rule", new(@"^sgd rule"), 2),
        new("rmsprop", new(@"^rmsprop"), 2),
        new("adam", new(@"^adamw? wd="), 2),
        new("clip grad norm", new(@"^clip grad norm"), 2),
        // Corruptions: each kind forward at two shapes, fused with the gather, and backward at two shapes.
        new("corrupt", new(@"^corrupt (masking|gaussian|salt-and-pepper)"), 2 * CorruptionKinds),
        new("gather+corrupt", new(@"^gather\+corrupt "), CorruptionKinds),
        new("corrupt backward", new(@"^corrupt backward "), 2 * CorruptionKinds),
        // Each kind's backward through each activation's derivative, [s, 33].
        new("corrupt+activation backward", new(@"^corrupt\+activation backward "), CorruptionKinds * ActivationKinds),
        // ActivityL1s: for each activation, [s, 33] into a separate δ, and [3, s] and [s, 2, 17] in place.
        new("activity l1", new(@"^activity l1 [a-z]+( in place)?$"), 3 * ActivationKinds),
        // NonFiniteFlag: five cases (finite, NaN last, +∞ first, −∞ middle, a flag already set) in one check.
        new("non-finite flag", new(@"^non-finite flag$"), 1),
        // Contractives: h [s, 33] separate, h [3, s] in place, h [7, 5] under W [5, s] separate at beta 0.
        new("contractive sigmoid", new(@"^contractive sigmoid( in place)?( beta 0)?$"), 3),
        // Svms: the squared hinge alone and along a direction, the active set, row dots and row steps at two shapes each.
        new("svm squared hinge", new(@"^svm squared hinge( step)?$"), 2),
        new("svm active set", new(@"^svm active set$"), 1),
        new("svm row dots", new(@"^svm row dots$"), 2),
        new("svm row axpby", new(@"^svm row axpby$"), 2),
        // Sampling: Bernoulli draws at [s, 784] and [s, 3, 5]; norms of [s, 33]; log-densities s × 33 and 3 × s.
        new("bernoulli", new(@"^bernoulli$"), 2),
        new("parzen squared norms", new(@"^parzen squared norms$"), 1),
        new("parzen log-densities", new(@"^parzen log-densities$"), 2),
        // Convolutions: the fixed awkward convolutions once per call, then the 3-row, s-column one per size; each forward, input
        // gradient and parameter gradients (forward and input gradient named by the activation they fuse).
        new("conv2d forward", new(@"^conv2d forward [a-z]+$"), ConvolutionCases),
        new("conv2d input gradient", new(@"^conv2d input gradient [a-z]+$"), ConvolutionCases),
        new("conv2d parameter gradients", new(@"^conv2d parameter gradients$"), ConvolutionCases),
        // Pooling: [3, 3·5·s] and [1, 8·s·7], then every one of the fixed geometries, each kernel once.
        new("max pool2d", new(@"^max pool2d$"), PoolingPerSize),
        new("max pool2d backward", new(@"^max pool2d backward after "), PoolingPerSize),
        new("upsample2d", new(@"^upsample2d$"), PoolingPerSize),
        new("upsample2d backward", new(@"^upsample2d backward after "), PoolingPerSize),
        // Dropouts: forward [s, 784] and [3, 2, s]; backward [s, 33] through each activation.
        new("dropout", new(@"^dropout p="), 2),
        new("dropout backward", new(@"^dropout backward p="), ActivationKinds),
        // FistaRules: plain (Nesterov) and with the L1 prox and weight decay.
        new("fista", new(@"^fista l1="), 2),
        // SmoothSteps: forward and backward on [s, 33].
        new("smooth step", new(@"^smooth step$"), 1),
        new("smooth step backward", new(@"^smooth step backward$"), 1),
        // KlSparsities: for each activation, [s, 33] into a separate δ and [3, s] in place.
        new("kl sparsity", new(@"^kl sparsity [a-z]+( in place)?$"), 2 * ActivationKinds),
        // Batched: every transpose pair plainly, then the shared-a encode with bias+sigmoid, ⊙sigmoid′, and a single item.
        new("gemm batched", new(@"^gemm batched [NT]{2}"), TransposePairs + 3),
        new("output losses", new(@"^output losses (mse|xent)$"), 2),
        // Genetics: tournament and roulette selection, ranks, scatter, each crossover and each mutation once, diversity at two shapes.
        new("genetic tournament", new(@"^genetic tournament k=\d+$"), 1),
        new("genetic roulette", new(@"^genetic roulette$"), 1),
        new("genetic rank", new(@"^genetic rank$"), 1),
        new("genetic scatter rows", new(@"^genetic scatter rows$"), 1),
        new("genetic crossover", new(@"^genetic crossover (uniform|one-point|two-point|blend)"), CrossoverKinds),
        new("genetic mutate", new(@"^genetic mutate (gaussian|reset)"), MutationKinds),
        new("genetic diversity", new(@"^genetic diversity$"), 2),
    ];

    /// <summary>
    /// Fails unless <paramref name="results"/>, the checks of one size, hold exactly each family's count (0 for the
    /// SampleSgd families where <paramref name="hasSampleSgd"/> is false) and no name matches two families.
    /// </summary>
    public static void AssertCounts(IReadOnlyList<CheckResult> results, bool hasSampleSgd, int size)
    {
        foreach (var result in results)
        {
            var matches = Families.Where(f => f.Kernel.IsMatch(result.Kernel)).Select(f => f.Name).ToList();
            Assert.True(matches.Count <= 1, $"\"{result.Kernel}\" matches the families {string.Join(", ", matches)}");
        }
        var unknown = results.Where(r => !Families.Any(f => f.Kernel.IsMatch(r.Kernel))).Select(r => r.Kernel).Distinct();
        var wrong = Families
            .Select(f => (f.Name, Expected: f.SampleSgd && !hasSampleSgd ? 0 : f.PerSize, Actual: results.Count(r => f.Kernel.IsMatch(r.Kernel))))
            .Where(c => c.Expected != c.Actual)
            .Select(c => $"{c.Name}: {c.Actual} checks, expected {c.Expected}")
            .ToList();
        Assert.True(wrong.Count == 0,
            $"size {size}: {string.Join("; ", wrong)} (names no family knows: {string.Join(", ", unknown.DefaultIfEmpty("none"))})");
    }
}
