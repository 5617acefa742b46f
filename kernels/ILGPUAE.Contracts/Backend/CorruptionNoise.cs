namespace ILGPUAE.Backend;

/// <summary>
/// The corruption processes of <see cref="ICorruption.Corrupt"/>. Each draws element (m, j) of a batch from
/// <c>draw = CounterRng.Hash64(key.Seed, key.Stream, key.Epoch, indices[m], j)</c>, indices[m] the dataset index of row m,
/// so an example is corrupted the same way whatever the batch it is in, its position there, or the backend.
/// </summary>
public enum CorruptionKind
{
    /// <summary>
    /// Masking noise: x̃ = 0 where <c>draw &gt;&gt; 32</c> (= <c>CounterRng.Hash32</c>) &lt; <c>BernoulliThreshold(Amount)</c>, else x;
    /// the very mask of <see cref="ICorruption.Mask"/>. Amount is the probability.
    /// </summary>
    Masking,

    /// <summary>
    /// Additive isotropic Gaussian noise: x̃ = x + Amount·n, n = <c>CounterRng.StandardNormal(draw)</c> ~ N(0, 1)
    /// (Box–Muller on the draw's two halves). Amount is the standard deviation σ.
    /// </summary>
    Gaussian,

    /// <summary>
    /// Salt-and-pepper noise: where <c>draw &gt;&gt; 32</c> &lt; <c>BernoulliThreshold(Amount)</c> — exactly the elements that
    /// <see cref="Masking"/> at the same key and probability hides — x̃ is a fair coin, bit 0 of the draw (0 or 1);
    /// elsewhere x̃ = x. Amount is the replacement probability.
    /// </summary>
    SaltAndPepper,
}

/// <summary>The corruption kinds as the CLI, the model files' metadata and the checks name them: masking, gaussian, salt-and-pepper.</summary>
public static class CorruptionKinds
{
    public static string Name(CorruptionKind kind) => kind switch
    {
        CorruptionKind.Masking => "masking",
        CorruptionKind.Gaussian => "gaussian",
        CorruptionKind.SaltAndPepper => "salt-and-pepper",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown corruption kind"),
    };

    /// <summary>The kind <see cref="Name"/> spells <paramref name="name"/> (exactly); false for any other text.</summary>
    public static bool TryParse(string? name, out CorruptionKind kind)
    {
        foreach (var k in Enum.GetValues<CorruptionKind>())
            if (Name(k) == name)
            {
                kind = k;
                return true;
            }
        kind = default;
        return false;
    }
}

/// <summary>One corruption process: its kind and its amount (a probability, or σ for <see cref="CorruptionKind.Gaussian"/>).</summary>
/// <remarks>Not named Corruption: that is already a namespace (the kernel family's folder) and the family's property on <see cref="IBackend"/>.</remarks>
public readonly record struct CorruptionNoise(CorruptionKind Kind, float Amount)
{
    /// <summary>Each element zeroed with probability <paramref name="probability"/>.</summary>
    public static CorruptionNoise Masking(float probability) => new(CorruptionKind.Masking, probability);

    /// <summary>x + σ·N(0, 1) on each element.</summary>
    public static CorruptionNoise Gaussian(float sigma) => new(CorruptionKind.Gaussian, sigma);

    /// <summary>Each element replaced by a fair coin (0 or 1) with probability <paramref name="probability"/>.</summary>
    public static CorruptionNoise SaltAndPepper(float probability) => new(CorruptionKind.SaltAndPepper, probability);

    /// <summary>Whether the backward pass zeroes some elements (those the forward replaced): all kinds but Gaussian.</summary>
    public bool Replaces => Kind != CorruptionKind.Gaussian;

    /// <summary>Throws unless the kind is known and the amount a probability in [0, 1] (a finite σ ≥ 0 for Gaussian).</summary>
    public void ThrowIfInvalid()
    {
        var valid = Kind switch
        {
            CorruptionKind.Masking or CorruptionKind.SaltAndPepper => Amount is >= 0f and <= 1f,
            CorruptionKind.Gaussian => float.IsFinite(Amount) && Amount >= 0f,
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown corruption kind"),
        };
        if (!valid)
            throw new ArgumentOutOfRangeException(nameof(Amount), Amount,
                Kind == CorruptionKind.Gaussian ? "a Gaussian corruption's σ must be finite and ≥ 0" : $"a {Kind} corruption's probability must be in [0, 1]");
    }
}
