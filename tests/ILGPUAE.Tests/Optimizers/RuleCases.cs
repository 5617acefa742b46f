namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Optimizer;

/// <summary>
/// One optimizer rule with fixed settings, four ways: the backend's kernel, the double reference (both stepping param and
/// <see cref="StateCount"/> state tensors in place at step t), PyTorch's documented algorithm (a whole trajectory) and the
/// scalar float arithmetic of Contracts that the ILGPU kernel runs per element (in place at step t, as the first two).
/// </summary>
public sealed record RuleCase(
    string Name,
    int StateCount,
    Action<IBackend, Tensor<float>, Tensor<float>, Tensor<float>[], long> Kernel,
    Action<double[], double[], double[][], long> Reference,
    Func<double[], double[][], double[][]> Documented,
    Action<float[], float[], float[][], long> Scalar)
{
    public override string ToString() => Name;
}

/// <summary>The cases every optimizer test runs, and the fixed inputs they run on.</summary>
public static class RuleCases
{
    public const int Steps = 6;

    public static readonly RuleCase[] All =
    [
        Sgd("sgd", new SgdSettings(0.1f)),
        Sgd("sgd wd", new SgdSettings(0.1f, WeightDecay: 0.05f)),
        Sgd("sgd momentum", new SgdSettings(0.1f, Momentum: 0.9f)),
        Sgd("sgd momentum dampening wd", new SgdSettings(0.1f, Momentum: 0.9f, Dampening: 0.3f, WeightDecay: 0.05f)),
        Sgd("nesterov wd", new SgdSettings(0.1f, Momentum: 0.9f, WeightDecay: 0.05f, Nesterov: true)),
        RmsProp("rmsprop", new RmsPropSettings(0.01f)),
        RmsProp("rmsprop momentum wd", new RmsPropSettings(0.01f, WeightDecay: 0.05f, Momentum: 0.9f)),
        RmsProp("rmsprop centered", new RmsPropSettings(0.01f, Centered: true)),
        RmsProp("rmsprop centered momentum wd alpha", new RmsPropSettings(0.01f, Alpha: 0.9f, Epsilon: 1e-6f, WeightDecay: 0.05f, Momentum: 0.5f, Centered: true)),
        Adam("adam", new AdamSettings(0.01f)),
        Adam("adam wd", new AdamSettings(0.01f, WeightDecay: 0.05f)),
        Adam("adamw", new AdamSettings(0.01f, WeightDecay: 0.01f, Decoupled: true)),
        Adam("adamw betas eps wd", new AdamSettings(0.05f, Beta1: 0.8f, Beta2: 0.95f, Epsilon: 1e-6f, WeightDecay: 0.1f, Decoupled: true)),
        // Loops of 4 over the 6 steps: iterations 1 2 3 4(last) then 1 2 of the next loop.
        Fista("fista", new FistaSettings(0.1f), FistaLoop),
        Fista("fista l1 wd", new FistaSettings(0.1f, L1: 0.5f, WeightDecay: 0.05f), FistaLoop),
    ];

    private const int FistaLoop = 4;

    public static TheoryData<string> Names => new(All.Select(c => c.Name));

    public static RuleCase Named(string name) => All.Single(c => c.Name == name);

    /// <summary>θ0[i] = cos(0.37·i + 0.1) rounded to float: n values in [−1, 1] that a float tensor holds exactly.</summary>
    public static double[] InitialParameters(int n) => [.. Enumerable.Range(0, n).Select(i => (double)(float)Math.Cos(0.37 * i + 0.1))];

    /// <summary>
    /// g_t[i] for t = 1 … <paramref name="steps"/>: sines of several magnitudes (0.2 to 1.8) that change sign between steps, one
    /// element exactly 0 at step 3 (where RMSprop and Adam divide a near-zero moment). Exactly representable as floats.
    /// </summary>
    public static double[][] Gradients(int n, int steps = Steps) =>
        [.. Enumerable.Range(1, steps).Select(t => Enumerable.Range(0, n)
            .Select(i => t == 3 && i == n / 2 ? 0.0 : (double)(float)(Math.Sin(0.7 * i + 1.3 * t) * (0.2 + 0.4 * (i % 5))))
            .ToArray())];

    private static RuleCase Sgd(string name, SgdSettings s) => new(name, 1,
        (backend, p, g, state, t) => backend.Optimizer.Sgd(p, g, state[0], s, t),
        (p, g, state, t) => OptimizerReference.Sgd(p, g, state[0], s, t),
        (theta0, grads) => TorchDocumented.Sgd(theta0, grads, s.LearningRate, s.Momentum, s.Dampening, s.WeightDecay, s.Nesterov),
        (p, g, state, t) =>
        {
            var step = new SgdStep(s, t);
            for (var i = 0; i < p.Length; i++)
                p[i] = step.Update(p[i], g[i], ref state[0][i]);
        });

    private static RuleCase RmsProp(string name, RmsPropSettings s) => new(name, 3,
        (backend, p, g, state, t) => backend.Optimizer.RmsProp(p, g, state[0], state[1], state[2], s),
        (p, g, state, t) => OptimizerReference.RmsProp(p, g, state[0], state[1], state[2], s),
        (theta0, grads) => TorchDocumented.RmsProp(theta0, grads, s.LearningRate, s.Alpha, s.Epsilon, s.WeightDecay, s.Momentum, s.Centered),
        (p, g, state, t) =>
        {
            var step = new RmsPropStep(s);
            for (var i = 0; i < p.Length; i++)
                p[i] = step.Update(p[i], g[i], ref state[0][i], ref state[1][i], ref state[2][i]);
        });

    private static RuleCase Adam(string name, AdamSettings s) => new(name, 2,
        (backend, p, g, state, t) => backend.Optimizer.Adam(p, g, state[0], state[1], s, t),
        (p, g, state, t) => OptimizerReference.Adam(p, g, state[0], state[1], s, t),
        (theta0, grads) => TorchDocumented.Adam(theta0, grads, s.LearningRate, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay, s.Decoupled),
        (p, g, state, t) =>
        {
            var step = new AdamStep(s, t);
            for (var i = 0; i < p.Length; i++)
                p[i] = step.Update(p[i], g[i], ref state[0][i], ref state[1][i]);
        });

    /// <summary>Step t of the sequence as FISTA's iteration k of a loop of <paramref name="loop"/> (<see cref="Optimizers.FistaRule"/>'s mapping).</summary>
    private static (long K, FistaSettings Settings) FistaIteration(FistaSettings s, int loop, long t)
    {
        var k = (t - 1) % loop + 1;
        return (k, s with { Last = k == loop });
    }

    private static RuleCase Fista(string name, FistaSettings s, int loop) => new(name, 1,
        (backend, p, g, state, t) =>
        {
            var (k, at) = FistaIteration(s, loop, t);
            backend.Optimizer.Fista(p, g, state[0], at, k);
        },
        (p, g, state, t) =>
        {
            var (k, at) = FistaIteration(s, loop, t);
            OptimizerReference.Fista(p, g, state[0], at, k);
        },
        (theta0, grads) => FistaDocumented(theta0, grads, s.StepSize, s.L1, s.WeightDecay, loop),
        (p, g, state, t) =>
        {
            var (k, at) = FistaIteration(s, loop, t);
            var step = new FistaStep(at, k);
            for (var i = 0; i < p.Length; i++)
                p[i] = step.Update(p[i], g[i], ref state[0][i]);
        });

    /// <summary>
    /// FISTA as Beck and Teboulle's paper writes it (their t_k), restarted every <paramref name="loop"/> steps, each loop
    /// returning its last x_k: x_k = p_L(y_k) with the prox sign(z)·max(|z| − eλ, 0); t_{k+1} = (1 + √(1 + 4t_k²))/2;
    /// y_{k+1} = x_k + ((t_k − 1)/t_{k+1})(x_k − x_{k−1}). The gradient g_t is taken at the point returned by step t − 1.
    /// </summary>
    private static double[][] FistaDocumented(double[] theta0, double[][] grads, double e, double l1, double wd, int loop)
    {
        var y = (double[])theta0.Clone();
        var xPrevious = (double[])theta0.Clone();
        var trajectory = new double[grads.Length][];
        var tk = 1.0;
        for (var t = 1; t <= grads.Length; t++)
        {
            var k = (t - 1) % loop + 1;
            if (k == 1)
                (tk, xPrevious) = (1.0, (double[])y.Clone());
            var tNext = (1 + Math.Sqrt(1 + 4 * tk * tk)) / 2;
            for (var i = 0; i < y.Length; i++)
            {
                var z = y[i] - e * (grads[t - 1][i] + wd * y[i]);
                var x = Math.Sign(z) * Math.Max(Math.Abs(z) - e * l1, 0);
                y[i] = k == loop ? x : x + (tk - 1) / tNext * (x - xPrevious[i]);
                xPrevious[i] = x;
            }
            tk = tNext;
            trajectory[t - 1] = (double[])y.Clone();
        }
        return trajectory;
    }
}
