namespace ILGPUAE.Backend;

/// <summary>
/// A dense, row-major tensor of rank 1 to 4 whose storage belongs to one backend. A tensor is either an owner of its
/// storage or a view (<see cref="Slice"/>, <see cref="View(int, TensorShape)"/>, <see cref="Reshape"/>) into another
/// tensor's storage; disposing a view frees nothing.
/// </summary>
public abstract class Tensor<T> : IDisposable where T : unmanaged
{
    protected Tensor(TensorShape shape) => Shape = shape;

    public TensorShape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Shape.Length;

    /// <summary>Size of the first dimension (rows of a matrix, elements of a vector).</summary>
    public int Rows => Shape[0];

    /// <summary>Elements per row: the product of every dimension after the first (1 for a vector).</summary>
    public int RowLength => Shape.RowLength;

    /// <summary>A view of rows [start, start + count) of the first dimension, sharing this storage.</summary>
    public Tensor<T> Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"slice [{start}, {start + count}) is outside the first dimension of a tensor of shape {Shape}");
        return CreateView(start * RowLength, Shape.WithFirst(count));
    }

    /// <summary>
    /// A view of <paramref name="shape"/>.Length consecutive elements starting at element <paramref name="elementOffset"/>,
    /// seen with <paramref name="shape"/>: e.g. one layer's weights inside a flat parameter vector, or a batch of
    /// [N, C, H, W] images as the [N, C·H·W] matrix a product takes.
    /// </summary>
    public Tensor<T> View(int elementOffset, TensorShape shape)
    {
        if (elementOffset < 0 || (long)elementOffset + shape.Length > Length)
            throw new ArgumentOutOfRangeException(nameof(elementOffset),
                $"a view of shape {shape} at element {elementOffset} reaches past a tensor of shape {Shape} ({Length} elements)");
        return CreateView(elementOffset, shape);
    }

    /// <inheritdoc cref="View(int, TensorShape)"/>
    public Tensor<T> View(int elementOffset, params int[] shape) => View(elementOffset, new TensorShape(shape));

    /// <summary>The same elements seen with another shape of the same length, e.g. [N, C, H, W] as [N, C·H·W].</summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        var target = new TensorShape(shape);
        if (target.Length != Length)
            throw new ArgumentException($"cannot reshape a tensor of shape {Shape} ({Length} elements) to {target} ({target.Length} elements)");
        return CreateView(0, target);
    }

    /// <summary>Copies host data into this tensor; <paramref name="source"/> must have <see cref="Length"/> elements.</summary>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        if (source.Length != Length)
            throw new ArgumentException($"cannot copy {source.Length} elements into a tensor of shape {Shape}");
        CopyFromCore(source);
    }

    /// <summary>Copies this tensor into host memory; <paramref name="destination"/> must have <see cref="Length"/> elements.</summary>
    public void CopyTo(Span<T> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"cannot copy a tensor of shape {Shape} into {destination.Length} elements");
        CopyToCore(destination);
    }

    public T[] ToArray()
    {
        var result = new T[Length];
        CopyTo(result);
        return result;
    }

    protected abstract Tensor<T> CreateView(int elementOffset, TensorShape shape);
    protected abstract void CopyFromCore(ReadOnlySpan<T> source);
    protected abstract void CopyToCore(Span<T> destination);

    public abstract void Dispose();
}
