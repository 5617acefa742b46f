namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Random;

/// <summary>
/// How a denoising autoencoder is run as the Markov chain of a generative stochastic network.
/// </summary>
/// <param name="Samples">Samples kept in all (μ of that many steps, over all chains); a multiple of <paramref name="Chains"/>.</param>
/// <param name="Chains">Chains run side by side, one row each; chain k starts from start image k. Short chains stay near their starts:
/// when those are test images, a Parzen estimate of the test set is flattered (the study's protocol is one chain of 10000 steps).</param>
/// <param name="Seed">Keys every draw: a chain is the same whatever the number of chains beside it or the backend.</param>
/// <param name="Corruption">C, applied to each state; the GSN setup's salt-and-pepper with p = 0.4 by default.</param>
public sealed record ChainSettings(int Samples, int Chains, ulong Seed, CorruptionNoise Corruption)
{
    public static CorruptionNoise DefaultCorruption => CorruptionNoise.SaltAndPepper(0.4f);

    /// <summary>Steps each chain runs.</summary>
    public int Steps => Samples / Chains;
}

/// <summary>
/// Samples a trained denoising autoencoder as a generative stochastic network (Bengio et al. 2013): x̃₀ = C(x₀);
/// μₜ = reconstruct(x̃ₜ₋₁) (the whole network forward, evaluation mode); xₜ ~ Bernoulli(μₜ); x̃ₜ = C(xₜ); the μₜ are kept.
/// At step t, chain k's corruption is keyed by (seed, <see cref="RngStream.ChainCorruption"/>, t, k, pixel) and its Bernoulli draws by
/// (seed, <see cref="RngStream.Sample"/>, t, k, pixel): the counter-based generator makes a chain reproducible from its seed alone.
/// The steps are sequential; the chains of one step are one batch.
/// </summary>
public static class GsnChain
{
    /// <summary>
    /// Runs <paramref name="settings"/>' chains from <paramref name="starts"/> [chains, inputs] (x₀ of each) and returns the kept means,
    /// [samples, inputs] host rows in step order: row t·chains + k is chain k's μ at step t + 1.
    /// </summary>
    public static float[] Run(Network network, ReadOnlySpan<float> starts, ChainSettings settings)
    {
        var backend = network.Backend;
        var (chains, width) = (settings.Chains, network.Body.Inputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(chains, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Samples, chains);
        if (settings.Samples % chains != 0)
            throw new ArgumentException($"{settings.Samples} samples do not split into {chains} chains of equal length", nameof(settings));
        if (chains > network.MaxBatch)
            throw new ArgumentException($"{chains} chains run as one batch, larger than the network's {network.MaxBatch}", nameof(settings));
        if (network.Body.Outputs != width)
            throw new ArgumentException($"a chain feeds the network its own output: {network.Body.Outputs} outputs for {width} inputs", nameof(network));
        if (starts.Length != chains * width)
            throw new ArgumentException($"starts has {starts.Length} values; expected [{chains}, {width}]", nameof(starts));
        settings.Corruption.ThrowIfInvalid();

        var samples = new float[(long)settings.Samples * width];
        using var state = backend.Allocate<float>(chains, width);
        using var rows = backend.Allocate<int>(chains);
        rows.CopyFrom(Enumerable.Range(0, chains).ToArray());
        state.CopyFrom(starts);
        backend.Corruption.Corrupt(state, rows, new NoiseKey(settings.Seed, RngStream.ChainCorruption, 0), settings.Corruption, state);
        var context = new StepContext(rows, settings.Seed, 0, Training: false);
        for (var t = 1; t <= settings.Steps; t++)
        {
            var mean = network.Body.Forward(state, context);
            backend.Synchronize();
            mean.CopyTo(samples.AsSpan((t - 1) * chains * width, chains * width));
            backend.Corruption.Bernoulli(mean, rows, new NoiseKey(settings.Seed, RngStream.Sample, (uint)t), state);
            backend.Corruption.Corrupt(state, rows, new NoiseKey(settings.Seed, RngStream.ChainCorruption, (uint)t), settings.Corruption, state);
        }
        return samples;
    }
}
