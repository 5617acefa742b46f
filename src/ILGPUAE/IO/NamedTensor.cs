namespace ILGPUAE.IO;

/// <summary>
/// A float32 tensor as stored in a safetensors file. <see cref="Data"/> is row-major with
/// product(<see cref="Shape"/>) elements; an empty shape is a scalar (one element).
/// Record equality compares the array references, not their contents.
/// </summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>Number of elements, product(Shape); 1 for a scalar.</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
                count = checked(count * dim);
            return count;
        }
    }
}
