namespace ILGPUAE.Backend;

/// <summary>
/// The non-finite guard's scan (NonFinite family): the trainer runs it over every parameter and the losses on the device and
/// reads one int per report interval, never a tensor per step.
/// </summary>
public interface INonFinite
{
    /// <summary>
    /// flag[0] ← <paramref name="code"/> when flag[0] is 0 and some element of <paramref name="x"/> (any shape) is NaN or ±∞;
    /// otherwise flag[0] is left as it is, so the first flagged tensor of a series of scans keeps its code. flag is [1];
    /// code ≠ 0. Nothing is read back to the host.
    /// </summary>
    void Flag(Tensor<float> x, int code, Tensor<int> flag);
}
