namespace ILGPUAE.Corruption;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

// The corruption-and-activation backward for one activation struct: (threads, delta, input, indices, destination, parameters, stride).
using CorruptActivationBackwardKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>,
    ILGPU.ArrayView<float>, ILGPUAE.Corruption.MaskParameters, ILGPUAE.Ilgpu.GridStride>;

public sealed class CorruptionLauncher : ICorruption
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride> gather;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, GridStride> mask;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, MaskParameters, GridStride> gatherMask;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, GaussianNoise, GridStride> gaussian;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, SaltAndPepperNoise, GridStride> saltAndPepper;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, NoiseParameters, GaussianNoise, GridStride> gatherGaussian;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, NoiseParameters, SaltAndPepperNoise, GridStride>
        gatherSaltAndPepper;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, BernoulliDraw, GridStride> bernoulli;

    // Indexed by Backend.Activation; each loaded on first use, so that a model whose corruptions all sit on data compiles none.
    private readonly CorruptActivationBackwardKernel?[] corruptActivationBackward = new CorruptActivationBackwardKernel?[Activations.All.Count];

    public CorruptionLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        gather = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride>(CorruptionKernels.Gather);
        mask = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, GridStride>(CorruptionKernels.Mask);
        gatherMask = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, MaskParameters, GridStride>(
            CorruptionKernels.GatherMask);
        gaussian = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, GaussianNoise, GridStride>(
            CorruptionKernels.Corrupt<GaussianNoise>);
        saltAndPepper = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, SaltAndPepperNoise, GridStride>(
            CorruptionKernels.Corrupt<SaltAndPepperNoise>);
        gatherGaussian = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, NoiseParameters,
            GaussianNoise, GridStride>(CorruptionKernels.GatherCorrupt<GaussianNoise>);
        gatherSaltAndPepper = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, NoiseParameters,
            SaltAndPepperNoise, GridStride>(CorruptionKernels.GatherCorrupt<SaltAndPepperNoise>);
        copy = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(CorruptionKernels.Copy);
        bernoulli = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, BernoulliDraw, GridStride>(
            CorruptionKernels.Corrupt<BernoulliDraw>);
    }

    public void Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination)
    {
        Shapes.Gather(data, indices, destination);
        if (destination.Length == 0)
            return;
        var g = backend.Stride(destination.Length);
        gather(g.Stride, backend.ViewOf(data, nameof(data)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), destination.RowLength, g);
    }

    public void Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Shapes.Mask(x, indices, destination);
        if (x.Length == 0)
            return;
        var p = new MaskParameters(key.Seed, (uint)key.Stream, key.Epoch, CounterRng.BernoulliThreshold(probability), x.RowLength);
        var g = backend.Stride(x.Length);
        mask(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), p, g);
    }

    public void GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked)
    {
        Shapes.GatherMask(data, indices, clean, masked);
        if (clean.Length == 0)
            return;
        var p = new MaskParameters(key.Seed, (uint)key.Stream, key.Epoch, CounterRng.BernoulliThreshold(probability), clean.RowLength);
        var g = backend.Stride(clean.Length);
        gatherMask(g.Stride, backend.ViewOf(data, nameof(data)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(clean, nameof(clean)).AsContiguous(), backend.ViewOf(masked, nameof(masked)).AsContiguous(), p, g);
    }

    public void Corrupt(Tensor<float> x, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        switch (corruption.Kind)
        {
            case CorruptionKind.Masking:
                Mask(x, indices, key, corruption.Amount, destination);
                return;
            case CorruptionKind.Gaussian:
                Corrupt(gaussian, x, indices, key, new GaussianNoise(corruption.Amount), destination);
                return;
            case CorruptionKind.SaltAndPepper:
                Corrupt(saltAndPepper, x, indices, key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount)), destination);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, "unknown corruption kind");
        }
    }

    public void GatherCorrupt(Tensor<float> data, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> clean, Tensor<float> corrupted)
    {
        corruption.ThrowIfInvalid();
        switch (corruption.Kind)
        {
            case CorruptionKind.Masking:
                GatherMask(data, indices, key, corruption.Amount, clean, corrupted);
                return;
            case CorruptionKind.Gaussian:
                GatherCorrupt(gatherGaussian, data, indices, key, new GaussianNoise(corruption.Amount), clean, corrupted);
                return;
            case CorruptionKind.SaltAndPepper:
                GatherCorrupt(gatherSaltAndPepper, data, indices, key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount)), clean,
                    corrupted);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, "unknown corruption kind");
        }
    }

    /// <summary>The element-wise draw of <see cref="BernoulliDraw"/>, through the corruption kernel (the probability is the element itself).</summary>
    public void Bernoulli(Tensor<float> probabilities, Tensor<int> indices, NoiseKey key, Tensor<float> destination) =>
        Corrupt(bernoulli, probabilities, indices, key, default(BernoulliDraw), destination);

    /// <summary>
    /// Masking and salt-and-pepper replace the elements that <see cref="Mask"/> hides at the same key and probability, so their
    /// gradient is <see cref="Mask"/> of delta; Gaussian noise passes delta through.
    /// </summary>
    public void CorruptBackward(Tensor<float> delta, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        Shapes.CorruptBackward(delta, indices, destination);
        if (corruption.Replaces)
        {
            Mask(delta, indices, key, corruption.Amount, destination);
            return;
        }
        if (delta.Length == 0)
            return;
        var g = backend.Stride(delta.Length);
        copy(g.Stride, backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(destination, nameof(destination)).AsContiguous(), g);
    }

    /// <summary>One launch: the mask's elements (none for Gaussian noise: threshold 0) zeroed, the others delta·act′(input).</summary>
    public void CorruptBackward(Tensor<float> delta, Tensor<float> input, Backend.Activation inputActivation, Tensor<int> indices, NoiseKey key,
        CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        Shapes.CorruptBackward(delta, input, inputActivation, indices, destination);
        if (delta.Length == 0)
            return;
        var threshold = corruption.Replaces ? CounterRng.BernoulliThreshold(corruption.Amount) : 0UL;
        var p = new MaskParameters(key.Seed, (uint)key.Stream, key.Epoch, threshold, delta.RowLength);
        var kernel = corruptActivationBackward[(int)inputActivation] ??= Activations.Visit(inputActivation, new ActivationBackwardLoader(backend.Accelerator));
        var g = backend.Stride(delta.Length);
        kernel(g.Stride, backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(input, nameof(input)).AsContiguous(),
            backend.ViewOf(indices, nameof(indices)).AsContiguous(), backend.ViewOf(destination, nameof(destination)).AsContiguous(), p, g);
    }

    /// <summary>Loads <see cref="CorruptionKernels.CorruptActivationBackward{TAct}"/> for the activation struct <see cref="Activations.Visit{TResult}"/> picks.</summary>
    private sealed class ActivationBackwardLoader(Accelerator accelerator) : IActivationVisitor<CorruptActivationBackwardKernel>
    {
        public CorruptActivationBackwardKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, GridStride>(
                CorruptionKernels.CorruptActivationBackward<TAct>);
    }

    private void Corrupt<TNoise>(Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, NoiseParameters, TNoise, GridStride> kernel,
        Tensor<float> x, Tensor<int> indices, NoiseKey key, TNoise noise, Tensor<float> destination)
        where TNoise : struct, IElementNoise
    {
        Shapes.Mask(x, indices, destination);
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        kernel(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), new NoiseParameters(key.Seed, (uint)key.Stream, key.Epoch, x.RowLength), noise, g);
    }

    private void GatherCorrupt<TNoise>(
        Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, NoiseParameters, TNoise, GridStride> kernel,
        Tensor<float> data, Tensor<int> indices, NoiseKey key, TNoise noise, Tensor<float> clean, Tensor<float> corrupted)
        where TNoise : struct, IElementNoise
    {
        Shapes.GatherCorrupt(data, indices, clean, corrupted);
        if (clean.Length == 0)
            return;
        var g = backend.Stride(clean.Length);
        kernel(g.Stride, backend.ViewOf(data, nameof(data)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(clean, nameof(clean)).AsContiguous(), backend.ViewOf(corrupted, nameof(corrupted)).AsContiguous(),
            new NoiseParameters(key.Seed, (uint)key.Stream, key.Epoch, clean.RowLength), noise, g);
    }
}
