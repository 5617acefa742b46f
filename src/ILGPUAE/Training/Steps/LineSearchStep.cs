namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// The settings of <see cref="LineSearchStep"/>: the first trial step t₀ (a run's learning_rate), how much the last accepted step
/// grows to start the next search (×<paramref name="Growth"/>, capped at <paramref name="MaxStep"/>), Armijo's constant c and how
/// many halvings a search may take before it gives up.
/// </summary>
public sealed record LineSearchSettings(float InitialStep, float Growth = 2f, float MaxStep = 1e4f, double Armijo = 1e-4, int MaxHalvings = 30)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(InitialStep > 0f && float.IsFinite(InitialStep)))
            throw new ArgumentException($"line search initial step {InitialStep}: expected a finite value > 0");
        if (!(Growth >= 1f && float.IsFinite(Growth)))
            throw new ArgumentException($"line search growth {Growth}: expected a finite value ≥ 1");
        if (!(MaxStep >= InitialStep && float.IsFinite(MaxStep)))
            throw new ArgumentException($"line search max step {MaxStep}: expected a finite value ≥ the initial step {InitialStep}");
        if (!(Armijo is > 0 and < 1))
            throw new ArgumentException($"Armijo constant {Armijo}: expected (0, 1)");
        if (MaxHalvings < 0)
            throw new ArgumentException($"line search halvings {MaxHalvings}: expected ≥ 0");
    }
}

/// <summary>One search of <see cref="LineSearchStep"/>: f at the start, the accepted f (or the start's when none was), the step t, ‖d‖² and the halvings.</summary>
public readonly record struct LineSearchIteration(double Objective, double Accepted, double Step, double DirectionNormSquared, int Halvings, bool Stalled);

/// <summary>
/// Gradient descent with a backtracking (Armijo) line search, as a step on the one <see cref="Trainer"/>: each call is one
/// iteration on the batch it is given (the whole training set by default, so an epoch is one iteration). The objective is
/// f(θ) = mean of the batch's losses (the objective's and the penalty modules') + Σ_p (α_p/2)‖θ_p‖², α_p the run's weight decay on
/// weights and 0 on biases (<see cref="Optimizer.DefaultWeightDecay"/>), and d = ∇f = g + α_p·θ_p. From t = t₀ (the first call) or
/// min(growth·t_last, max), the step tries θ − t·d and accepts it when f(θ − t·d) ≤ f(θ) − c·t·‖d‖², else halves t; a NaN or ∞
/// trial counts as a failed one. When <see cref="LineSearchSettings.MaxHalvings"/> halvings find no decrease, θ is left where it
/// was and <see cref="Stalled"/> is set: the caller stops.
/// <para>
/// Every trial is a full forward and backward pass, so the accepted trial's gradient and f are the next call's when the next batch
/// is again the whole set (one pass per iteration when the first trial is accepted); a minibatch call starts with a pass of its own.
/// Each trial reads two scalars back from the device (the losses' mean and ‖θ_weights‖², by the Gemm family's column sums and
/// the gradient-norm kernel of clip_grad_norm_ at an unreachable limit, which leaves the tensors as they are); ‖d‖² is read once
/// per call. Vectors are moved by the Svm family's per-row axpby (each parameter seen as a matrix of its rows) and the optimizer family's SGD update. The
/// losses the batch leaves are the accepted point's, so an epoch reports f less the decay after its step. The search's state (the
/// last step) is not checkpointed: a resumed run starts its search from t₀ again.
/// </para>
/// </summary>
public sealed class LineSearchStep : ITrainingStep
{
    private readonly IBackend backend;
    private readonly LineSearchSettings settings;
    private readonly Parameter[] parameters;
    private readonly float[] decays;
    private readonly Tensor<float>[] saved, directions, values, grads;
    private readonly Tensor<float>[] decayed;
    private readonly Tensor<float>?[] decayCoefficients;
    private readonly Tensor<float> one, zero, scalars, norm, mean;

    // Per parameter, the coefficient vectors' views of its rows (made once: a call allocates no views for them).
    private readonly Tensor<float>[] ones, zeros;
    private readonly Tensor<float>?[] alphas;
    private readonly float[] host = new float[3];
    private readonly float weightDecay;
    private readonly int maxRows;
    private readonly List<LineSearchIteration> history = [];
    private double? cachedObjective;
    private float? lastStep;

    /// <param name="weightDecay">α of the objective's (α/2)‖W‖² on the weights; biases are not decayed.</param>
    public LineSearchStep(Network network, float weightDecay, LineSearchSettings settings)
    {
        settings.Validate();
        OptimizerOptions.RequireAtLeastZero("weight decay", weightDecay);
        Network = network;
        backend = network.Backend;
        this.settings = settings;
        this.weightDecay = weightDecay;
        parameters = [.. network.TrainedParameters];
        if (parameters.Length == 0)
            throw new ArgumentException("a line search needs trained parameters", nameof(network));
        decays = [.. parameters.Select(p => Optimizer.DefaultWeightDecay(p, weightDecay))];
        // Each tensor as a matrix of its rows (a vector as one column), so the per-row axpby runs a thread per row.
        static Tensor<float> Matrix(Tensor<float> t) => t.Shape.Rank == 1 ? t.Reshape(t.Length, 1) : t.Reshape(t.Rows, t.RowLength);
        values = [.. parameters.Select(p => Matrix(p.Value))];
        grads = [.. parameters.Select(p => Matrix(p.Grad))];
        saved = [.. values.Select(v => backend.Allocate<float>(v.Rows, v.RowLength))];
        directions = [.. values.Select(v => backend.Allocate<float>(v.Rows, v.RowLength))];
        decayed = [.. Enumerable.Range(0, parameters.Length).Where(i => decays[i] > 0f).Select(i => parameters[i].Value)];
        maxRows = values.Max(v => v.Rows);
        decayCoefficients = [.. decays.Select(a => a > 0f ? Constant(a) : null)];
        one = Constant(1f);
        zero = Constant(0f);
        // [0, 1]: clip_grad_norm_'s norm and coefficient (‖·‖ of the decayed weights, then of d); [2]: the losses' mean.
        scalars = backend.Allocate<float>(3);
        (norm, mean) = (scalars.Slice(0, 2), scalars.Slice(2, 1));
        ones = [.. values.Select(v => one.Slice(0, v.Rows))];
        zeros = [.. values.Select(v => zero.Slice(0, v.Rows))];
        alphas = [.. values.Select((v, i) => decayCoefficients[i]?.Slice(0, v.Rows))];
    }

    public Network Network { get; }

    /// <summary>No optimizer state: a checkpoint saves the parameters alone.</summary>
    public Optimizer? Optimizer => null;

    public int Chunk => 0;
    public int Workers => 1;

    /// <summary>Whether the last call found no decrease within the halvings allowed (θ is left where it was).</summary>
    public bool Stalled { get; private set; }

    /// <summary>Every call's search, in order.</summary>
    public IReadOnlyList<LineSearchIteration> History => history;

    /// <summary>
    /// The last accepted step, from which the next search starts (null before the first): what a checkpoint saves, and a resumed
    /// run sets, so that its searches go on from where they were (its first iteration then takes one pass more, for f and ∇f).
    /// </summary>
    public float? LastStep
    {
        get => lastStep;
        set => lastStep = value is null || (value > 0f && float.IsFinite(value.Value))
            ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "expected a finite step > 0");
    }

    public void Run(int worker, in TrainingBatch batch)
    {
        // The accepted trial's f and gradient are this point's when the batch is again the whole set (in any order).
        var f = batch.Context.Rows == batch.Data.Rows && cachedObjective is { } cached ? cached : Evaluate(batch);
        for (var i = 0; i < parameters.Length; i++)
        {
            // d = g + α_p·θ, formed in the gradient; then θ and d are kept for the trials, whose passes overwrite both.
            if (alphas[i] is { } alpha)
                backend.Svm.RowAxpby(alpha, values[i], ones[i], grads[i]);
            backend.Svm.RowAxpby(ones[i], values[i], zeros[i], saved[i]);
            backend.Svm.RowAxpby(ones[i], grads[i], zeros[i], directions[i]);
        }
        var directionNorm = Norm(directions);
        var dd = directionNorm * directionNorm;
        var t = lastStep is { } last ? Math.Min(settings.Growth * last, settings.MaxStep) : settings.InitialStep;
        for (var halvings = 0; halvings <= settings.MaxHalvings; halvings++, t /= 2f)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                Restore(i);
                backend.Optimizer.Sgd(values[i], directions[i], null, t, 0f);
            }
            var trial = Evaluate(batch);
            if (trial <= f - settings.Armijo * t * dd)
            {
                (cachedObjective, lastStep, Stalled) = (trial, t, false);
                history.Add(new LineSearchIteration(f, trial, t, dd, halvings, Stalled: false));
                return;
            }
        }
        // No decrease: back to θ, whose losses and gradient the batch then holds.
        for (var i = 0; i < parameters.Length; i++)
            Restore(i);
        cachedObjective = Evaluate(batch);
        Stalled = true;
        history.Add(new LineSearchIteration(f, f, 0, dd, settings.MaxHalvings, Stalled: true));
    }

    /// <summary>f at the current θ on the batch: a forward and backward pass (so the gradient is θ's), then two scalars read back.</summary>
    private double Evaluate(in TrainingBatch batch)
    {
        Network.ForwardBackward(batch.Data, batch.Context, batch.Losses, batch.Labels);
        var b = batch.Losses.Length;
        backend.Gemm.ColumnSums(1f / b, batch.Losses.Reshape(b, 1), 0f, mean);
        if (decayed.Length > 0)
            backend.Optimizer.ClipGradNorm(decayed, float.MaxValue, norm);
        backend.Synchronize();
        scalars.CopyTo(host);
        var weights = decayed.Length > 0 ? (double)host[0] : 0;
        return host[2] + weightDecay / 2.0 * weights * weights;
    }

    /// <summary>‖tensors‖₂ by the clipping kernel at a limit no norm reaches (coefficient 1: the tensors are left as they are).</summary>
    private double Norm(IReadOnlyList<Tensor<float>> tensors)
    {
        backend.Optimizer.ClipGradNorm(tensors, float.MaxValue, norm);
        backend.Synchronize();
        scalars.CopyTo(host);
        return host[0];
    }

    /// <summary>θ_i ← the saved θ_i.</summary>
    private void Restore(int i) => backend.Svm.RowAxpby(ones[i], saved[i], zeros[i], values[i]);

    /// <summary>A per-row coefficient vector [maxRows] of <paramref name="value"/>, sliced to each parameter's rows.</summary>
    private Tensor<float> Constant(float value)
    {
        var t = backend.Allocate<float>(maxRows);
        t.CopyFrom([.. Enumerable.Repeat(value, maxRows)]);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in saved.Concat(directions))
            t.Dispose();
        foreach (var t in decayCoefficients)
            t?.Dispose();
        one.Dispose();
        zero.Dispose();
        scalars.Dispose();
        Network.Dispose();
    }
}
