namespace ILGPUAE.Training;

/// <summary>A non-finite loss: training stopped at <see cref="Step"/> (1-based, counted over the whole run).</summary>
public sealed class TrainingDivergedException(int epoch, long step, double loss, string? detail = null)
    : Exception($"loss became {loss} at epoch {epoch}, step {step}; training stopped (try a lower --lr){(detail is null ? "" : "; " + detail)}")
{
    public int Epoch { get; } = epoch;
    public long Step { get; } = step;
    public double Loss { get; } = loss;

    public TrainingDivergedException WithDetail(string text) => new(Epoch, Step, Loss, text);
}
