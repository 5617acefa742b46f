namespace ILGPUAE.Tests.Training;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Models;
using ILGPUAE.Optimizer;
using ILGPUAE.Random;
using ILGPUAE.Training;

/// <summary>The parameters of a tied autoencoder in double: W [hidden, visible], b_hidden [hidden], b_visible [visible].</summary>
public sealed class DaeParameters
{
    public DaeParameters(int visible, int hidden, double[] weights, double[] hiddenBias, double[] visibleBias)
    {
        if (weights.Length != hidden * visible || hiddenBias.Length != hidden || visibleBias.Length != visible)
            throw new ArgumentException($"W {weights.Length}, b_hidden {hiddenBias.Length}, b_visible {visibleBias.Length} do not fit [{hidden}, {visible}]");
        Visible = visible;
        Hidden = hidden;
        Weights = weights;
        HiddenBias = hiddenBias;
        VisibleBias = visibleBias;
    }

    public int Visible { get; }
    public int Hidden { get; }
    public double[] Weights { get; }
    public double[] HiddenBias { get; }
    public double[] VisibleBias { get; }

    /// <summary>The three arrays in the order of <see cref="TiedAutoencoder.Parameters"/>.</summary>
    public double[][] All => [Weights, HiddenBias, VisibleBias];

    public static DaeParameters FromFloats(int visible, int hidden, float[] weights, float[] hiddenBias, float[] visibleBias) =>
        new(visible, hidden, Closeness.ToDouble(weights), Closeness.ToDouble(hiddenBias), Closeness.ToDouble(visibleBias));

    /// <summary>What <see cref="TiedAutoencoder.Create"/> starts from: W from <see cref="TiedAutoencoder.InitialWeights"/>, biases 0.</summary>
    public static DaeParameters Initial(int visible, int hidden, ulong seed) =>
        FromFloats(visible, hidden, TiedAutoencoder.InitialWeights(visible, hidden, seed), new float[hidden], new float[visible]);

    public DaeParameters Clone() => new(Visible, Hidden, (double[])Weights.Clone(), (double[])HiddenBias.Clone(), (double[])VisibleBias.Clone());
}

/// <summary>Gradients of the mean loss; W's is the sum of the encoder's and the decoder's contributions (tied weights).</summary>
public sealed record DaeGradient(double[] EncoderWeight, double[] DecoderWeight, double[] Weight, double[] HiddenBias, double[] VisibleBias)
{
    public double[][] All => [Weight, HiddenBias, VisibleBias];
}

/// <summary>
/// A double-precision tied denoising autoencoder written with plain loops, independent of the kernels:
/// y = s(W·x̃ + b_hidden), z = s(Wᵀ·y + b_visible), loss summed over visible units, averaged over the batch.
/// x and x̃ are [batch, visible] (clean targets and corrupted inputs).
/// </summary>
public static class ReferenceDae
{
    /// <summary>The hidden activations y [hidden] and the reconstruction z [visible] of one corrupted input x̃ [visible].</summary>
    public static (double[] Y, double[] Z) Forward(DaeParameters p, ReadOnlySpan<double> corrupted)
    {
        var y = new double[p.Hidden];
        for (var h = 0; h < p.Hidden; h++)
        {
            var a = p.HiddenBias[h];
            for (var v = 0; v < p.Visible; v++)
                a += p.Weights[h * p.Visible + v] * corrupted[v];
            y[h] = ActivationReference.Sigmoid(a);
        }
        var z = new double[p.Visible];
        for (var v = 0; v < p.Visible; v++)
        {
            var a = p.VisibleBias[v];
            for (var h = 0; h < p.Hidden; h++)
                a += p.Weights[h * p.Visible + v] * y[h];
            z[v] = ActivationReference.Sigmoid(a);
        }
        return (y, z);
    }

    /// <summary>
    /// The loss of one example, summed over visible units: ½‖x − z‖², or −Σ[x log z + (1−x) log(1−z)] with
    /// each log clamped below at −100 (PyTorch's BCELoss).
    /// </summary>
    public static double Loss(LossKind loss, ReadOnlySpan<double> x, ReadOnlySpan<double> z)
    {
        static double Log(double v) => Math.Max(Math.Log(v), -100.0);
        double sum = 0;
        for (var v = 0; v < x.Length; v++)
            sum += loss switch
            {
                LossKind.SquaredError => 0.5 * (x[v] - z[v]) * (x[v] - z[v]),
                LossKind.CrossEntropy => -(x[v] * Log(z[v]) + (1 - x[v]) * Log(1 - z[v])),
                _ => throw new ArgumentOutOfRangeException(nameof(loss)),
            };
        return sum;
    }

    /// <summary>Per-example losses [batch] of reconstructing x from x̃.</summary>
    public static double[] Losses(LossKind loss, DaeParameters p, int batch, ReadOnlySpan<double> clean, ReadOnlySpan<double> corrupted)
    {
        var n = p.Visible;
        var losses = new double[batch];
        for (var i = 0; i < batch; i++)
            losses[i] = Loss(loss, clean.Slice(i * n, n), Forward(p, corrupted.Slice(i * n, n)).Z);
        return losses;
    }

    public static double MeanLoss(LossKind loss, DaeParameters p, int batch, ReadOnlySpan<double> clean, ReadOnlySpan<double> corrupted) =>
        Losses(loss, p, batch, clean, corrupted).Average();

    /// <summary>The per-example losses and the analytic gradient of their mean.</summary>
    public static (double[] Losses, DaeGradient Gradient) Backward(LossKind loss, DaeParameters p, int batch, ReadOnlySpan<double> clean, ReadOnlySpan<double> corrupted)
    {
        int n = p.Visible, k = p.Hidden;
        var g = new DaeGradient(new double[k * n], new double[k * n], new double[k * n], new double[k], new double[n]);
        var losses = new double[batch];
        for (var i = 0; i < batch; i++)
        {
            var x = clean.Slice(i * n, n);
            var xt = corrupted.Slice(i * n, n);
            var (y, z) = Forward(p, xt);
            losses[i] = Loss(loss, x, z);

            // δz[v] = ∂(loss / batch)/∂(decoder pre-activation v).
            var dz = new double[n];
            for (var v = 0; v < n; v++)
                dz[v] = loss switch
                {
                    LossKind.SquaredError => (z[v] - x[v]) * z[v] * (1 - z[v]),
                    LossKind.CrossEntropy => z[v] - x[v],
                    _ => throw new ArgumentOutOfRangeException(nameof(loss)),
                } / batch;

            // δy[h] = (Σ_v W[h,v] δz[v]) · y(1 − y): the decoder reads W transposed.
            var dy = new double[k];
            for (var h = 0; h < k; h++)
            {
                double sum = 0;
                for (var v = 0; v < n; v++)
                    sum += p.Weights[h * n + v] * dz[v];
                dy[h] = sum * y[h] * (1 - y[h]);
            }

            for (var h = 0; h < k; h++)
            {
                for (var v = 0; v < n; v++)
                {
                    g.EncoderWeight[h * n + v] += dy[h] * xt[v];
                    g.DecoderWeight[h * n + v] += y[h] * dz[v];
                }
                g.HiddenBias[h] += dy[h];
            }
            for (var v = 0; v < n; v++)
                g.VisibleBias[v] += dz[v];
        }
        for (var e = 0; e < g.Weight.Length; e++)
            g.Weight[e] = g.EncoderWeight[e] + g.DecoderWeight[e];
        return (losses, g);
    }

    /// <summary>Rows <paramref name="indices"/> of <paramref name="data"/> [N, visible] and their masked copies, keyed as the kernels key them.</summary>
    public static (double[] Clean, double[] Corrupted) Batch(ReadOnlySpan<double> data, int visible, int[] indices, NoiseKey noise, float corruption)
    {
        var clean = new double[indices.Length * visible];
        var corrupted = new double[clean.Length];
        CorruptionReference.Gather(visible, data, indices, clean);
        CorruptionReference.Mask(indices.Length, visible, clean, indices, noise, corruption, corrupted);
        return (clean, corrupted);
    }
}

/// <summary>
/// <see cref="DaeSession"/> in double: the same init, the same per-epoch shuffle, the same masks and
/// PyTorch's SGD with momentum, written from the spec with the references.
/// </summary>
public sealed class ReferenceDaeTrainer
{
    private readonly DaeOptions options;
    private readonly double[] train;
    private readonly int visible;

    public ReferenceDaeTrainer(DaeOptions options, int visible, float[] trainPixels)
    {
        this.options = options;
        this.visible = visible;
        train = Closeness.ToDouble(trainPixels);
        Parameters = DaeParameters.Initial(visible, options.Hidden, options.Seed);
        Velocities = Parameters.All.Select(a => new double[a.Length]).ToArray();
    }

    public DaeParameters Parameters { get; }
    public double[][] Velocities { get; }
    public int EpochsDone { get; private set; }
    public int TrainCount => train.Length / visible;

    /// <summary>Runs the next epoch and returns the mean of its per-example losses (each taken before its step's update).</summary>
    public double RunEpoch()
    {
        var epoch = EpochsDone;
        var order = EpochOrder.Shuffle(options.Seed, epoch, TrainCount);
        var noise = new NoiseKey(options.Seed, RngStream.Mask, (uint)epoch);
        double lossSum = 0;
        for (var start = 0; start < TrainCount; start += options.Batch)
        {
            var indices = order[start..Math.Min(start + options.Batch, TrainCount)];
            var (clean, corrupted) = ReferenceDae.Batch(train, visible, indices, noise, options.Corruption);
            var (losses, gradient) = ReferenceDae.Backward(options.Loss, Parameters, indices.Length, clean, corrupted);
            lossSum += losses.Sum();
            for (var i = 0; i < Velocities.Length; i++)
                OptimizerReference.Sgd(Parameters.All[i], gradient.All[i], Velocities[i], options.LearningRate, options.Momentum);
        }
        EpochsDone++;
        return lossSum / TrainCount;
    }

    /// <summary>Mean per-example loss on clean inputs [count, visible].</summary>
    public double TestLoss(float[] testPixels)
    {
        var x = Closeness.ToDouble(testPixels);
        return ReferenceDae.MeanLoss(options.Loss, Parameters, x.Length / visible, x, x);
    }
}
