namespace ILGPUAE.Backend;

/// <summary>
/// A dense, row-major tensor whose storage belongs to one backend. A tensor is either an owner of its
/// storage or a view (<see cref="Slice"/>) into another tensor's storage; disposing a view frees nothing.
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
    public int RowLength => Shape.Rank == 1 ? 1 : Shape.Length / Shape[0];

    /// <summary>A view of rows [start, start + count) of the first dimension, sharing this storage.</summary>
    public Tensor<T> Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"slice [{start}, {start + count}) is outside the first dimension of a tensor of shape {Shape}");
        return CreateView(start * RowLength, Shape.WithFirst(count));
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
