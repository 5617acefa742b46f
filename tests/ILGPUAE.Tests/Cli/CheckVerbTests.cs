namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Backend;
using ILGPUAE.Cli;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.Tests.Host;

/// <summary>
/// `ilgpuae check` runs its whole list on a backend and exits non-zero when any check fails: the verb's core runs on
/// the host provider as it is, and again with a GEMM that adds an error to every product it writes.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CheckVerbTests(HostFixture fixture)
{
    [Fact]
    public void AHealthyBackendPassesEveryCheckAndExitsZero()
    {
        using var output = new StringWriter();
        var exitCode = CheckVerb.Run(fixture.Backend, output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exitCode == CliApp.Ok, output.ToString());
        Assert.Matches(@"^all \d+ checks passed$", lines[^1]);
    }

    [Fact]
    public void AFaultyGemmFailsItsChecksAndTheVerbExitsOne()
    {
        using var output = new StringWriter();
        var exitCode = CheckVerb.Run(new FaultyGemmBackend(fixture.Backend), output);
        var text = output.ToString();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(exitCode == CliApp.Failed, text);
        Assert.Matches(@"^\d+ of \d+ checks FAILED$", lines[^1]);
        // Every row of a GEMM kernel fails; a family that does not use the GEMM still passes (the fault is where it was put).
        var gemmRows = lines.Where(l => l.StartsWith("gemm ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(gemmRows);
        Assert.All(gemmRows, row => Assert.Contains("FAIL at", row));
        Assert.Contains(lines, l => l.StartsWith("mask p=0.25", StringComparison.Ordinal) && l.EndsWith("ok", StringComparison.Ordinal));
    }

    /// <summary>The wrapped backend, except that every GEMM adds 1e-3·|c| + 1e-2 to the first element it writes.</summary>
    private sealed class FaultyGemmBackend(IBackend inner) : IBackend
    {
        public string Name => $"{inner.Name} with a faulty GEMM";
        public long AllocatedBytes => inner.AllocatedBytes;
        public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged => inner.Allocate<T>(shape);
        public void Synchronize() => inner.Synchronize();
        public IGemm Gemm { get; } = new FaultyGemm(inner);
        public IDelta Delta => inner.Delta;
        public ISoftmax Softmax => inner.Softmax;
        public ICorruption Corruption => inner.Corruption;
        public IOptimizer Optimizer => inner.Optimizer;
        public INonFinite NonFinite => inner.NonFinite;
        public ISvm Svm => inner.Svm;
        public IParzen Parzen => inner.Parzen;
        public IGenetic Genetic => inner.Genetic;
        public IConv2d Conv2d => inner.Conv2d;
        public IPooling Pooling => inner.Pooling;
        public IDropout Dropout => inner.Dropout;
        public ISampleSgd? SampleSgd => inner.SampleSgd;

        /// <summary>The fixture owns the wrapped backend.</summary>
        public void Dispose()
        {
        }
    }

    private sealed class FaultyGemm(IBackend inner) : IGemm
    {
        public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c) =>
            Gemm(transA, transB, alpha, a, b, beta, c, GemmEpilogue.None);

        public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c,
            GemmEpilogue epilogue)
        {
            inner.Gemm.Gemm(transA, transB, alpha, a, b, beta, c, epilogue);
            inner.Synchronize();
            var values = c.ToArray();
            // Beyond any GEMM check's tolerance, 4e-7·(K + 8) + 1e-4·|reference| with K ≤ 1000.
            values[0] += 1e-3f * Math.Abs(values[0]) + 1e-2f;
            c.CopyFrom(values);
        }

        public void GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha, Tensor<float> a, Tensor<float> b, float beta,
            Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch)
        {
            inner.Gemm.GemmBatched(transA, transB, m, n, k, alpha, a, b, beta, c, epilogue, batch);
            inner.Synchronize();
            var values = c.ToArray();
            values[0] += 1e-3f * Math.Abs(values[0]) + 1e-2f;
            c.CopyFrom(values);
        }

        public void ColumnSums(float alpha, Tensor<float> a, float beta, Tensor<float> sums) => inner.Gemm.ColumnSums(alpha, a, beta, sums);

        public void ColumnSums(float alpha, Tensor<float> a, Tensor<float> a2, float beta, Tensor<float> sums, Tensor<float> sums2) =>
            inner.Gemm.ColumnSums(alpha, a, a2, beta, sums, sums2);
    }
}
