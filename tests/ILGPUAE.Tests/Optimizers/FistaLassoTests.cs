namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizer;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The engine's FISTA (<see cref="OptimizerKind.Fista"/> through <see cref="Optimizer"/>) on a small lasso problem
/// min ½‖Aw − b‖² + λ‖w‖₁, A [7, 5], the gradient Aᵀ(Ay − b) taken on the host at the point the parameter holds: iterate by
/// iterate against <see cref="OptimizerReference.Fista"/> run on its own double iterates, and at the end against the lasso's
/// optimality conditions (a subgradient of 0 at x: |gᵢ + λ·sign xᵢ| ≈ 0 where xᵢ ≠ 0, |gᵢ| ≤ λ where xᵢ = 0), which a rule
/// that skipped the prox or the restart's last step would miss. Runs on the host and on ILGPU's CPU accelerator.
/// </summary>
public abstract class FistaLassoTests(IBackend backend)
{
    private const int Rows = 7, Columns = 5;
    private const float Lambda = 0.5f;

    private static readonly double[,] A = Matrix();
    private static readonly double[] B = [.. Enumerable.Range(0, Rows).Select(i => Math.Round(Math.Cos(1.7 * i), 3))];

    /// <summary>A[i, j] = round(sin(0.9·i + 1.3·j + 0.2), 3), plus 2 on the diagonal: exact in float, well conditioned, so float drift dies out.</summary>
    private static double[,] Matrix()
    {
        var a = new double[Rows, Columns];
        for (var i = 0; i < Rows; i++)
            for (var j = 0; j < Columns; j++)
                a[i, j] = Math.Round(Math.Sin(0.9 * i + 1.3 * j + 0.2), 3) + (i == j ? 2 : 0);
        return a;
    }

    /// <summary>∇½‖Aw − b‖² = Aᵀ(Aw − b).</summary>
    private static double[] Gradient(IReadOnlyList<double> w)
    {
        var g = new double[Columns];
        for (var i = 0; i < Rows; i++)
        {
            var r = -B[i];
            for (var j = 0; j < Columns; j++)
                r += A[i, j] * w[j];
            for (var j = 0; j < Columns; j++)
                g[j] += A[i, j] * r;
        }
        return g;
    }

    /// <summary>1/L, L = ‖AᵀA‖₂ by power iteration: the step for which FISTA converges at O(1/k²).</summary>
    private static float StepSize()
    {
        var v = Enumerable.Repeat(1.0, Columns).ToArray();
        var norm = 0.0;
        for (var it = 0; it < 200; it++)
        {
            var g = Gradient(v);
            // Gradient(v) = AᵀAv − Aᵀb: add Aᵀb back for AᵀAv.
            var atb = Gradient(new double[Columns]);
            var av = g.Zip(atb, (x, y) => x - y).ToArray();
            norm = Math.Sqrt(av.Sum(x => x * x));
            v = [.. av.Select(x => x / norm)];
        }
        return (float)(1.0 / norm);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(Lambda)]
    public void FistaFollowsTheDoubleReferenceIterateByIterateAndSolvesTheLasso(float lambda)
    {
        const int iterations = 200;
        var step = StepSize();
        using var value = backend.Allocate<float>(Columns);
        using var grad = backend.Allocate<float>(Columns);
        value.CopyFrom(new float[Columns]);
        var parameter = new Parameter("w", value, grad);
        // One loop of all the iterations, so that the last leaves its iterate x in the parameter.
        using var optimizer = new Optimizer(backend, [parameter],
            new OptimizerOptions { Kind = OptimizerKind.Fista, LearningRate = step, WeightL1 = lambda, FistaLoop = iterations });
        var y = new double[Columns];
        var previous = new double[Columns];
        var settings = new FistaSettings(step, lambda);
        for (var k = 1; k <= iterations; k++)
        {
            backend.Synchronize();
            var held = Array.ConvertAll(value.ToArray(), v => (double)v);
            grad.CopyFrom(Array.ConvertAll(Gradient(held), v => (float)v));
            optimizer.Step();
            OptimizerReference.Fista(y, Gradient(y), previous, settings with { Last = k == iterations }, k);
            backend.Synchronize();
            var got = value.ToArray();
            for (var j = 0; j < Columns; j++)
                // Float rounding of O(1) iterates, fed back through a contraction (step 1/L): it stays near 1e-6.
                Assert.True(Math.Abs(got[j] - y[j]) <= 2e-5 + 2e-5 * Math.Abs(y[j]),
                    $"{backend.Name} λ={lambda} iteration {k} element {j}: engine {got[j]:R}, reference {y[j]:R}");
        }
        // At the solution 0 is a subgradient of ½‖Aw − b‖² + λ‖w‖₁.
        var g = Gradient(y);
        for (var j = 0; j < Columns; j++)
            if (y[j] != 0)
                Assert.True(Math.Abs(g[j] + lambda * Math.Sign(y[j])) < 1e-4, $"λ={lambda} element {j} = {y[j]}: gradient {g[j]}");
            else
                Assert.True(Math.Abs(g[j]) <= lambda + 1e-4, $"λ={lambda} element {j} = 0: |gradient| {Math.Abs(g[j])} > λ");
        // The penalty set some weights exactly to zero (the prox's doing), and left others free.
        if (lambda > 0)
            Assert.InRange(y.Count(v => v == 0), 1, Columns - 1);
        else
            Assert.DoesNotContain(0.0, y);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostFistaLassoTests(HostFixture fixture) : FistaLassoTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorFistaLassoTests(CpuAcceleratorFixture fixture) : FistaLassoTests(fixture.Backend);
