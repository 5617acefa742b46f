namespace ILGPUAE.Training;

/// <summary>A non-finite loss: training stopped at <see cref="Step"/> (1-based, counted over the whole run).</summary>
/// <param name="quantity">What became non-finite: "loss" (a training example's) or "test loss" (the epoch's score).</param>
public sealed class TrainingDivergedException(int epoch, long step, double loss, string? detail = null, string quantity = "loss")
    : Exception($"{quantity} became {loss} at epoch {epoch}, step {step}; training stopped (try a lower learning_rate){(detail is null ? "" : "; " + detail)}"),
    IO.ISettingMessage
{
    public string? Setting => null;
    public IReadOnlyList<string> Mentioned { get; } = ["learning_rate"];

    public int Epoch { get; } = epoch;
    public long Step { get; } = step;
    public double Loss { get; } = loss;

    /// <summary>"loss" or "test loss".</summary>
    public string Quantity { get; } = quantity;

    /// <summary>
    /// This exception with what a run that checkpoints after every epoch leaves behind: the checkpoint of epoch
    /// <paramref name="epochsDone"/> in <paramref name="directory"/>, or none when no epoch of this run finished.
    /// <paramref name="part"/> names what the checkpoint belongs to ("this layer"); <paramref name="alsoKept"/>
    /// says what survives when there is none ("earlier layers are kept").
    /// </summary>
    public TrainingDivergedException WithLastCheckpoint(int epochsDone, string directory, string? part = null, string? alsoKept = null)
    {
        var of = part is null ? "" : " of " + part;
        return WithDetail(epochsDone > 0
            ? $"the last good checkpoint{of} (epoch {epochsDone}) is kept in {directory}"
            : $"no checkpoint{of} was written{(alsoKept is null ? "" : "; " + alsoKept)}");
    }

    private TrainingDivergedException WithDetail(string text) => new(Epoch, Step, Loss, text, Quantity);
}
