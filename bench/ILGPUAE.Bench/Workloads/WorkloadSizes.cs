namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backends;

/// <summary>
/// How much of each workload a mode runs. Full is the benchmark issue's definition; quick keeps the shapes and
/// cuts images, repetitions and grid points so that `run-bench.sh --quick` takes about five minutes on 2 cores.
/// ILGPU's CPU accelerator runs scalar IL per emulated thread, tens of times slower than the rest, so it always
/// gets a smaller subset; its rates are per image, so they compare all the same.
/// </summary>
/// <remarks>W6's full epoch is the study's MNIST training split, the first 50 000 images; W7's is `train cae`'s, the first 59 000. The peer's per-sample workloads (W2, W3) may run on fewer images than ours; both are reported per <see cref="W2EpochImages"/>-image epoch. W7's quick peer times fewer images than ours too (it runs at 1 and at 2 threads), a rate per image as ours is.</remarks>
public sealed record WorkloadSizes(
    int W1Images, int W1SlowImages, int W2Images, int W2SlowImages, int W2PeerImages, int Warmup, int Timed,
    int[] W3Hidden, int W3Images, int W3PeerImages, int GemmRuns, bool GemmSquare, int W1CheckSteps, int W2CheckSteps,
    int W5Steps, int W5SlowSteps, int W6Images, int W6SlowImages, int W6Timed, int W6CheckSteps,
    int W7Images, int W7SlowImages, int W7PeerImages, int W7Timed, int W7CheckSteps)
{
    /// <summary>W2's epoch, as in Figure 2 of the parallel-DAE paper: 5000 images.</summary>
    public const int W2EpochImages = 5000;

    public static WorkloadSizes For(BenchMode mode) => mode switch
    {
        BenchMode.Quick => new(W1Images: 6000, W1SlowImages: 1000, W2Images: 1000, W2SlowImages: 100, W2PeerImages: 1000,
            Warmup: 1, Timed: 5, W3Hidden: [100, 200, 500, 800, 1000], W3Images: 500, W3PeerImages: 300, GemmRuns: 9, GemmSquare: false,
            W1CheckSteps: 5, W2CheckSteps: 100, W5Steps: 20, W5SlowSteps: 2, W6Images: 2000, W6SlowImages: 200, W6Timed: 3, W6CheckSteps: 5,
            W7Images: 3000, W7SlowImages: 256, W7PeerImages: 1000, W7Timed: 3, W7CheckSteps: 20),
        _ => new(W1Images: 60000, W1SlowImages: 2000, W2Images: 5000, W2SlowImages: 500, W2PeerImages: 5000,
            Warmup: 1, Timed: 5, W3Hidden: [100, 200, 500, 800, 1000], W3Images: 2000, W3PeerImages: 2000, GemmRuns: 15, GemmSquare: true,
            W1CheckSteps: 10, W2CheckSteps: 300, W5Steps: 50, W5SlowSteps: 4, W6Images: 50000, W6SlowImages: 500, W6Timed: 3, W6CheckSteps: 10,
            W7Images: 59000, W7SlowImages: 1024, W7PeerImages: 59000, W7Timed: 2, W7CheckSteps: 50),
    };

    /// <summary>ILGPU's CPU accelerator: emulated GPU threads, correct but slow.</summary>
    public static bool IsSlow(AcceleratorKind kind) => kind == AcceleratorKind.Cpu;
}
