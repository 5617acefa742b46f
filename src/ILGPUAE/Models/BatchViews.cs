namespace ILGPUAE.Models;

using ILGPUAE.Backend;

/// <summary>
/// Row views [0, b) of buffers allocated for the largest batch. The views are remade only when b changes
/// (the last, short batch of an epoch), so a training step allocates nothing.
/// </summary>
internal sealed class BatchViews
{
    private readonly Tensor<float>[] buffers;
    private readonly Tensor<float>[] views;

    public BatchViews(Tensor<float>[] buffers)
    {
        this.buffers = buffers;
        views = (Tensor<float>[])buffers.Clone();
        Rows = buffers.Length == 0 ? 0 : buffers[0].Rows;
    }

    /// <summary>The rows every view has now.</summary>
    public int Rows { get; private set; }

    public Tensor<float> this[int index] => views[index];

    public void Resize(int rows)
    {
        if (rows == Rows)
            return;
        for (var i = 0; i < buffers.Length; i++)
            views[i] = rows == buffers[i].Rows ? buffers[i] : buffers[i].Slice(0, rows);
        Rows = rows;
    }
}
