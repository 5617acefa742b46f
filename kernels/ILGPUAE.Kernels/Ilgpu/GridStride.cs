namespace ILGPUAE.Ilgpu;

/// <summary>
/// How a grid-stride kernel covers its work: thread t of <see cref="Stride"/> launched threads handles
/// items t, t + Stride, … below <see cref="Items"/>. On a GPU Stride = Items (one item per thread); on
/// ILGPU's CPU accelerator every emulated thread costs microseconds, so a few threads loop instead.
/// </summary>
public readonly struct GridStride
{
    public GridStride(int items, int stride)
    {
        Items = items;
        Stride = stride;
    }

    public int Items { get; }
    public int Stride { get; }
}
