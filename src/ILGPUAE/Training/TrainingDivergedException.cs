namespace ILGPUAE.Training;

/// <summary>
/// A non-finite value stopped training at <see cref="Step"/> (1-based, counted over the whole run): a training example's loss,
/// the epoch's test loss, or a parameter (<see cref="Parameter"/>) found holding NaN or ±∞ by the guard's scan.
/// </summary>
/// <param name="quantity">What became non-finite: "loss" (a training example's) or "test loss" (the epoch's score); ignored
/// when <paramref name="parameter"/> is given.</param>
/// <param name="parameter">The checkpoint name of a parameter that holds a non-finite value (<paramref name="loss"/> is then NaN).</param>
public sealed class TrainingDivergedException(int epoch, long step, double loss, string? detail = null, string quantity = "loss", string? parameter = null)
    : Exception($"{Describe(loss, quantity, parameter)} at epoch {epoch}, step {step}; training stopped (try a lower learning_rate){(detail is null ? "" : "; " + detail)}"),
    IO.ISettingMessage
{
    /// <summary>A parameter found non-finite by the scan after <paramref name="step"/> (the scan runs once per report interval).</summary>
    public static TrainingDivergedException OfParameter(int epoch, long step, string parameter) => new(epoch, step, double.NaN, parameter: parameter);

    public string? Setting => null;
    public IReadOnlyList<string> Mentioned { get; } = ["learning_rate"];

    public int Epoch { get; } = epoch;
    public long Step { get; } = step;
    public double Loss { get; } = loss;

    /// <summary>"loss" or "test loss"; "parameter" when <see cref="Parameter"/> is set.</summary>
    public string Quantity { get; } = parameter is null ? quantity : "parameter";

    /// <summary>The checkpoint name of the parameter that holds NaN or ±∞, or null when a loss stopped the run.</summary>
    public string? Parameter { get; } = parameter;

    /// <summary>What became non-finite and where, e.g. "loss became NaN at epoch 3, step 412".</summary>
    public string What { get; } = $"{Describe(loss, quantity, parameter)} at epoch {epoch}, step {step}";

    private static string Describe(double loss, string quantity, string? parameter) =>
        parameter is null ? $"{quantity} became {loss}" : $"a value of parameter '{parameter}' is not finite";

    /// <summary>
    /// This exception with what a run that checkpoints after every epoch leaves behind: the checkpoint of epoch
    /// <paramref name="epochsDone"/> in <paramref name="directory"/>, or none when no epoch of this run finished.
    /// <paramref name="part"/> names what the checkpoint belongs to ("this layer"); <paramref name="alsoKept"/>
    /// says what survives when there is none ("earlier layers are kept").
    /// </summary>
    /// <param name="midEpochStep">The step of the last checkpoint when it was written inside the epoch (checkpoint_every, or the one
    /// a resumed run started from); null when the last checkpoint is <paramref name="epochsDone"/>'s end.</param>
    public TrainingDivergedException WithLastCheckpoint(int epochsDone, string directory, string? part = null, string? alsoKept = null,
        long? midEpochStep = null)
    {
        var of = part is null ? "" : " of " + part;
        var kept = midEpochStep is { } step ? $"step {step}, in epoch {epochsDone + 1}" : epochsDone > 0 ? $"epoch {epochsDone}" : null;
        return WithDetail(kept is not null
            ? $"the last good checkpoint{of} ({kept}) is kept in {directory}"
            : $"no checkpoint{of} was written{(alsoKept is null ? "" : "; " + alsoKept)}");
    }

    private TrainingDivergedException WithDetail(string text) => new(Epoch, Step, Loss, text, Quantity, Parameter);
}
