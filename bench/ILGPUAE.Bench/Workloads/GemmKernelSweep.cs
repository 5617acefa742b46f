namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.MatVec;

/// <summary>
/// W4's kernel sweep on one ILGPU backend: a product W4 times, run again on every <see cref="GemmVariant"/> forced through
/// <see cref="GemmLauncher(IlgpuBackend, GemmVariant?, int?)"/>, split-K at several slice depths (<see cref="SliceDepths"/>).
/// Each forced product is checked against the peer's product of the same operands where there is one (so that a fault of
/// the policy kernel on the device shows in its own row), else against the policy kernel's, then timed as W4 times its
/// own, so that one GPU run gives what <see cref="GemmPolicy"/> needs. Results go into <see cref="KernelSweep.Products"/> as each
/// product finishes.
/// </summary>
public sealed class GemmKernelSweep(IlgpuBackend backend, KernelSweep result, Action<string> log) : IDisposable
{
    /// <summary>Besides the policy's depth, split-K is timed at the depths that give about this many K-slices.</summary>
    public static readonly int[] TargetSlices = [2, 3, 4, 5, 7, 10];

    // One launcher per forced variant that takes no slice depth, made on first use and shared by the products (ILGPU's
    // kernel cache makes a launcher cheap: its kernels are compiled once per accelerator).
    private readonly Dictionary<GemmVariant, GemmLauncher> launchers = [];

    /// <summary>Sweeps c [M,N] = op(a) [M,K] · op(b) [K,N]; <paramref name="c"/> is overwritten.</summary>
    /// <param name="name">The product as W4's rows name it.</param>
    /// <param name="barrierFreeToo">Whether to time <see cref="IsBarrierFree"/> variants too (not at 4096³, where they would take too long).</param>
    /// <param name="against">The product every kernel must reproduce, and whose it is (the peer's); null: the policy kernel's.</param>
    public void Run(string name, Transpose transA, Transpose transB, Tensor<float> a, Tensor<float> b, Tensor<float> c, int runs, int warmup,
        bool barrierFreeToo, (string Name, double[] Values)? against)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        var device = GemmDevice.Of(backend);
        var policy = GemmPolicy.Choose(m, n, k, device);
        var policyDepth = GemmPolicy.SplitKSliceDepth(m, n, k, device);
        if (against is null)
        {
            // The policy kernel's product (the backend's own launcher).
            backend.Gemm.Gemm(transA, transB, 1f, a, b, 0f, c);
            backend.Synchronize();
        }
        var (checkedAgainst, expected) = against ?? ("the policy kernel's", GemmWorkload.ToDouble(c.ToArray()));
        // Written into c before each check, so that a kernel which leaves elements unwritten fails it instead of passing on the last one's.
        var poison = new float[c.Length];
        Array.Fill(poison, float.NaN);

        var product = new SweptProduct(name, m, n, k, policy.ToString(), GemmPolicy.SplitsK(policy) ? policyDepth : null, runs, warmup, [],
            checkedAgainst);
        result.Products.Add(product);
        var flops = 2.0 * m * n * k;
        foreach (var variant in Enum.GetValues<GemmVariant>())
        {
            if (!barrierFreeToo && IsBarrierFree(variant))
                continue;
            if (!GemmPolicy.SplitsK(variant))
            {
                product.Kernels.Add(Time(Shared(variant), variant, null));
                continue;
            }
            foreach (var depth in SliceDepths(k, policyDepth))
            {
                // A launcher of its own, disposed at once: its workspace holds (slices − 1)·M·N floats (576 MiB at 4096² in 10 slices).
                using var launcher = new GemmLauncher(backend, variant, depth);
                product.Kernels.Add(Time(launcher, variant, depth));
            }
        }

        SweptKernel Time(GemmLauncher launcher, GemmVariant variant, int? depth)
        {
            void Call() => launcher.Gemm(transA, transB, 1f, a, b, 0f, c);
            var slices = depth is { } d ? GemmPolicy.SplitKSlices(k, d) : (int?)null;
            var label = $"W4 sweep {result.Backend} {name} {variant}{(depth is null ? "" : $" depth {depth} ({slices} slice{(slices == 1 ? "" : "s")})")}";
            if (GemmPolicy.GroupSizeOf(variant) is { } size && size > backend.Accelerator.MaxNumThreadsPerGroup)
            {
                var reason = $"needs groups of {size} threads, '{backend.Name}' allows {backend.Accelerator.MaxNumThreadsPerGroup}";
                log($"{label}: not run: {reason}");
                return new SweptKernel(variant.ToString(), depth, slices, null, "not run", reason);
            }
            c.CopyFrom(poison);
            Call();
            backend.Synchronize();
            var check = GemmWorkload.Compare(c.ToArray(), expected);
            var gflops = flops / Timing.MedianSecondsPerCall(() => { Call(); backend.Synchronize(); }, runs, warmup) / 1e9;
            log($"{label}: {gflops:F2} GFLOP/s ({check})");
            return new SweptKernel(variant.ToString(), depth, slices, gflops, check);
        }
    }

    /// <summary>The two kernels without shared tiles or group barriers (one thread per 1×4 strip or 4×4 block); every other variant is tiled.</summary>
    public static bool IsBarrierFree(GemmVariant variant) => variant is GemmVariant.Strip1x4 or GemmVariant.Tile4x4;

    /// <summary>
    /// The slice depths split-K is timed at for depth <paramref name="k"/>: the policy's, then for each of <see cref="TargetSlices"/>
    /// the smallest multiple of <see cref="GemmTiledKernels.Depth"/> that cuts K into at most that many slices; one depth per
    /// slice count (the policy's wins a tie), fewest slices first.
    /// </summary>
    public static IReadOnlyList<int> SliceDepths(int k, int policyDepth)
    {
        var step = GemmTiledKernels.Depth;
        var bySlices = new SortedDictionary<int, int> { [GemmPolicy.SplitKSlices(k, policyDepth)] = policyDepth };
        foreach (var target in TargetSlices)
        {
            var depth = Math.Max(step, ((k + target - 1) / target + step - 1) / step * step);
            bySlices.TryAdd(GemmPolicy.SplitKSlices(k, depth), depth);
        }
        return bySlices.Values.ToList();
    }

    public void Dispose()
    {
        foreach (var launcher in launchers.Values)
            launcher.Dispose();
        launchers.Clear();
    }

    private GemmLauncher Shared(GemmVariant variant)
    {
        if (!launchers.TryGetValue(variant, out var launcher))
            launchers[variant] = launcher = new GemmLauncher(backend, variant);
        return launcher;
    }
}
