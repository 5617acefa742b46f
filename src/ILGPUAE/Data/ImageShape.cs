namespace ILGPUAE.Data;

/// <summary>The shape of one example: <see cref="Channels"/> planes of <see cref="Height"/> × <see cref="Width"/> pixels, stored [C, H, W] row-major.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Values per example, C·H·W.</summary>
    public int Features => Channels * Height * Width;

    public override string ToString() => $"{Channels}×{Height}×{Width}";
}
