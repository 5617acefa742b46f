namespace ILGPUAE.Corruption;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// The per-element arithmetic of one corruption kind (<see cref="CorruptionKind"/>), given that element's 64-bit draw
/// <c>CounterRng.Hash64(seed, stream, epoch, example, element)</c>. The ILGPU kernels and the host provider both take it
/// as a generic struct parameter, so both evaluate the same code; CorruptionReference recomputes it in double.
/// </summary>
public interface IElementNoise
{
    /// <summary>The corrupted value of clean value <paramref name="x"/>.</summary>
    float Apply(float x, ulong draw);
}

/// <summary>x + σ·n, n = <see cref="CounterRng.StandardNormal"/>(draw).</summary>
public readonly struct GaussianNoise : IElementNoise
{
    public GaussianNoise(float sigma) => Sigma = sigma;

    public float Sigma { get; }

    public float Apply(float x, ulong draw) => x + Sigma * CounterRng.StandardNormal(draw);
}

/// <summary>
/// The fair coin (bit 0 of the draw: 0 or 1) where the draw's high half is below the threshold — the elements
/// masking hides at that threshold — else x. The test compares integers, as <see cref="ICorruption.Mask"/> does.
/// </summary>
public readonly struct SaltAndPepperNoise : IElementNoise
{
    /// <param name="threshold"><see cref="CounterRng.BernoulliThreshold"/> of the replacement probability.</param>
    public SaltAndPepperNoise(ulong threshold) => Threshold = threshold;

    public ulong Threshold { get; }

    public float Apply(float x, ulong draw) => draw >> 32 < Threshold ? (float)((uint)draw & 1u) : x;
}

/// <summary>
/// A Bernoulli draw with x as its probability: 1 where the draw's high half is below <c>CounterRng.BernoulliThreshold(x)</c>, else 0
/// (x ≤ 0 or NaN gives 0, x ≥ 1 gives 1). Integers are compared, as for masks, so every backend and the reference draw the same bits.
/// </summary>
public readonly struct BernoulliDraw : IElementNoise
{
    public float Apply(float x, ulong draw) => draw >> 32 < CounterRng.BernoulliThreshold(x) ? 1f : 0f;
}
