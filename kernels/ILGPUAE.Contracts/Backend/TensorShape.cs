namespace ILGPUAE.Backend;

/// <summary>
/// An immutable list of 1 to <see cref="MaxRank"/> dimensions, outermost first: a vector [N], a matrix [rows, columns],
/// or images [N, C, H, W] (examples, channels, height, width), always row-major.
/// </summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    /// <summary>The most dimensions a tensor has: [N, C, H, W].</summary>
    public const int MaxRank = 4;

    private readonly int[] dimensions;

    public TensorShape(params int[] dimensions)
    {
        if (dimensions.Length == 0)
            throw new ArgumentException("a tensor needs at least one dimension");
        if (dimensions.Length > MaxRank)
            throw new ArgumentException($"shape [{string.Join(", ", dimensions)}] has {dimensions.Length} dimensions; a tensor has at most {MaxRank}");
        foreach (var d in dimensions)
            if (d < 0)
                throw new ArgumentException($"negative dimension in [{string.Join(", ", dimensions)}]");
        this.dimensions = (int[])dimensions.Clone();
        long length = 1;
        foreach (var d in dimensions)
            length *= d;
        if (length > int.MaxValue)
            throw new ArgumentException($"shape {this} has more than {int.MaxValue} elements");
        Length = (int)length;
    }

    public int Rank => dimensions.Length;
    public int Length { get; }

    /// <summary>The product of every dimension after the first: a row's length (1 for a vector).</summary>
    public int RowLength
    {
        get
        {
            var product = 1;
            for (var axis = 1; axis < dimensions.Length; axis++)
                product *= dimensions[axis];
            return product;
        }
    }
    public int this[int axis] => dimensions[axis];
    public IReadOnlyList<int> Dimensions => dimensions;

    public TensorShape WithFirst(int first)
    {
        var copy = (int[])dimensions.Clone();
        copy[0] = first;
        return new TensorShape(copy);
    }

    public bool Equals(TensorShape? other) => other is not null && dimensions.AsSpan().SequenceEqual(other.dimensions);
    public override bool Equals(object? obj) => Equals(obj as TensorShape);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in dimensions)
            hash.Add(d);
        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", dimensions)}]";
}
