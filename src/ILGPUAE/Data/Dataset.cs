namespace ILGPUAE.Data;

/// <summary>
/// A labelled image set in memory. <see cref="Pixels"/> is [Count, C, H, W] row-major in [0, 1] (<see cref="Shape"/>);
/// <see cref="Labels"/> is [Count].
/// </summary>
public sealed class Dataset
{
    /// <summary>A single-channel set of <paramref name="rows"/> × <paramref name="cols"/> images.</summary>
    public Dataset(string name, int count, int rows, int cols, float[] pixels, byte[] labels)
        : this(name, count, new ImageShape(1, rows, cols), pixels, labels)
    {
    }

    public Dataset(string name, int count, ImageShape shape, float[] pixels, byte[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Channels, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Height, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Width, nameof(shape));
        if (pixels.Length != (long)count * shape.Features)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected [{count}, {shape}] = {(long)count * shape.Features}", nameof(pixels));
        if (labels.Length != count)
            throw new ArgumentException($"labels has {labels.Length} elements, expected {count}", nameof(labels));
        Name = name;
        Count = count;
        Shape = shape;
        Pixels = pixels;
        Labels = labels;
    }

    public string Name { get; }
    public int Count { get; }
    public ImageShape Shape { get; }
    public float[] Pixels { get; }
    public byte[] Labels { get; }

    /// <summary>Pixel rows of each channel, <see cref="ImageShape.Height"/>.</summary>
    public int Rows => Shape.Height;

    /// <summary>Pixel columns of each channel, <see cref="ImageShape.Width"/>.</summary>
    public int Cols => Shape.Width;

    /// <summary>Values per example, C·H·W.</summary>
    public int Features => Shape.Features;

    /// <summary>
    /// Builds a dataset from IDX images and labels, scaling each pixel byte b to b / 255f.
    /// Throws <see cref="ArgumentException"/> if the counts differ (callers validate files first).
    /// </summary>
    public static Dataset FromIdx(string name, IdxImages images, byte[] labels)
    {
        var bytes = images.Pixels;
        var pixels = new float[bytes.Length];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = bytes[i] / 255f;
        return new Dataset(name, images.Count, images.Rows, images.Cols, pixels, labels);
    }

    /// <summary>
    /// A copy of the first <paramref name="n"/> examples. Throws <see cref="ArgumentOutOfRangeException"/>
    /// unless 0 ≤ n ≤ Count; turning a too-large user limit (e.g. <c>--train-limit</c>) into an
    /// <see cref="IO.InputException"/> is the caller's job, since only it knows the option's name.
    /// </summary>
    public Dataset Take(int n) => Range(0, n, Name);

    /// <summary>
    /// A copy of examples [start, start + count), named <paramref name="name"/>. Throws
    /// <see cref="ArgumentOutOfRangeException"/> unless the range lies inside the dataset.
    /// </summary>
    public Dataset Range(int start, int count, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count);
        return new Dataset(name, count, Shape, Pixels.AsSpan(start * Features, count * Features).ToArray(), Labels.AsSpan(start, count).ToArray());
    }

    /// <summary>
    /// The first <paramref name="limit"/> examples (null: this set); a limit outside 1 … Count throws <see cref="IO.InputException"/>
    /// about <paramref name="setting"/> (the run's option, e.g. "train_limit").
    /// </summary>
    public Dataset Limit(int? limit, string setting)
    {
        if (limit is null)
            return this;
        if (limit < 1 || limit > Count)
            throw IO.InputException.AboutSetting(setting, $"{setting} {limit}: {Name} has {Count} examples; expected 1 to {Count}");
        return Take(limit.Value);
    }
}
