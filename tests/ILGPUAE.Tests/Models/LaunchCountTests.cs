namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// How many launcher calls one minibatch step makes. On ILGPU's CPU accelerator each call is one kernel launch
/// (no product splits K there, and the GPU's split-K is one launch too).
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class LaunchCountTests(CpuAcceleratorFixture fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADaeStepIsSevenLaunchesWithOrWithoutTheFusedPlainSgdUpdate(bool fusedSgd)
    {
        using var backend = new CountingBackend(fixture.Backend);
        using var model = TiedAutoencoder.Create(backend, 37, 11, seed: 3);
        using var pass = new TiedAutoencoderPass(model, 5);
        using var data = backend.Allocate<float>(9, 37);
        using var indices = backend.Allocate<int>(5);
        using var losses = backend.Allocate<float>(5);
        indices.CopyFrom([8, 0, 3, 3, 6]);
        var noise = new NoiseKey(3, RngStream.Mask, 0);

        if (fusedSgd)
            pass.ForwardBackwardSgd(data, indices, noise, 0.25f, LossKind.CrossEntropy, losses, 0.1f);
        else
            pass.ForwardBackward(data, indices, noise, 0.25f, LossKind.CrossEntropy, losses);

        // GatherMask; encode and decode, each with its bias + sigmoid; the output delta; the hidden delta with its
        // sigmoid′; ∂W as one product; both bias gradients in one column-sums launch. The fused step's ∂W product and
        // column sums write W and both biases instead of the gradients: its update costs no launch.
        Assert.Equal(["GatherMask", "Gemm", "Gemm", "SigmoidOutputDelta", "Gemm", "Gemm", "ColumnSums"], backend.Calls);
    }

    [Theory]
    [InlineData(0f, 0)]
    [InlineData(0.9f, 3)]
    public void ADaeSessionStepCallsTheOptimizerOnlyForMomentum(float momentum, int sgdCallsPerStep)
    {
        using var backend = new CountingBackend(fixture.Backend);
        var pixels = Synthetic.Pixels(10, 37, seed: 5);
        using var trainer = new ILGPUAE.Training.DaeSession(backend,
            new ILGPUAE.Training.DaeOptions { Hidden = 11, Batch = 5, Momentum = momentum, Epochs = 1 }, 37, pixels, pixels[..(3 * 37)]);
        backend.Calls.Clear();

        trainer.RunEpoch();

        // Two steps of 5; plain SGD updates inside the step's products (seven launches, as above), momentum adds one Sgd per parameter.
        Assert.Equal(2 * sgdCallsPerStep, backend.Calls.Count(c => c == nameof(IOptimizer.Sgd)));
        Assert.Equal(2, backend.Calls.Count(c => c == nameof(ICorruption.GatherMask)));
    }

    [Theory]
    [InlineData(0f, 0)]
    [InlineData(0.9f, 4)]
    public void AClassifierSessionStepCallsTheOptimizerOnlyForMomentum(float momentum, int sgdCallsPerStep)
    {
        using var backend = new CountingBackend(fixture.Backend);
        var architecture = new ClassifierArchitecture(37, [33], [], 10);
        using var model = FeedForwardClassifier.Create(backend, architecture, seed: 2);
        var data = new ILGPUAE.Data.Dataset("synthetic", 10, 1, 37, Synthetic.Pixels(10, 37, seed: 6), [.. Enumerable.Range(0, 10).Select(i => (byte)i)]);
        using var trainer = new ILGPUAE.Training.Stacked.ClassifierSession(model,
            new ILGPUAE.Training.Stacked.FinetuneOptions { Batch = 5, Momentum = momentum }, data, firstTrained: 0);
        backend.Calls.Clear();

        trainer.RunEpoch();

        // Two steps of 5 through two layers: per step Gather, two forward products, the softmax and its delta, then per
        // layer its ∂W product (or update) and column sums, and δ_below once: ten; momentum adds one Sgd per parameter.
        Assert.Equal(2 * sgdCallsPerStep, backend.Calls.Count(c => c == nameof(IOptimizer.Sgd)));
        Assert.Equal(2 * (10 + sgdCallsPerStep), backend.Calls.Count);
    }

    [Fact]
    public void AnAnamoDecoderLoopRunsTheEncoderOncePerMinibatch()
    {
        using var backend = new CountingBackend(fixture.Backend);
        var network = ILGPUAE.Training.Anamo.AnamoNetwork.Spec(37, 11, 0.1f).Build(backend, 5);
        network.Initialize(3);
        var (encoder, decoder) = ILGPUAE.Training.Anamo.AnamoNetwork.Blocks(network);
        using var step = new ILGPUAE.Training.Anamo.AnamoStep(network, encoder, new ILGPUAE.Training.Anamo.InnerBlock(0, 0.5f),
            decoder, new ILGPUAE.Training.Anamo.InnerBlock(3, 0.5f));
        using var trainer = new ILGPUAE.Training.Trainer(backend, step, new ILGPUAE.Training.TrainerSettings(3, 5, 0f), Synthetic.Pixels(5, 37, seed: 4), 5,
            measureHostThreads: false);
        backend.Calls.Clear();

        trainer.RunEpoch();

        // One minibatch: the rows gathered and encoded once (a product with its bias + sigmoid); then each of the 3 decoder iterations
        // decodes (a product), forms the output δ, adds the codes' penalty to the losses, takes ∂W_dec (a product) and ∂b_dec, and
        // moves the decoder's two parameters. No δ of the codes, no encoder gradient.
        string[] iteration = ["Gemm", "SigmoidOutputDelta", "ActivityL1", "Gemm", "ColumnSums", "Fista", "Fista"];
        Assert.Equal(["Gather", "Gemm", .. iteration, .. iteration, .. iteration], backend.Calls.Where(c => c != "NonFinite"));
    }

    /// <summary>The wrapped backend with every family call recorded by name; tensors and kernels are the wrapped backend's.</summary>
    private sealed class CountingBackend(IBackend inner) : IBackend, IGemm, IDelta, ISoftmax, ICorruption, IOptimizer
    {
        public List<string> Calls { get; } = [];

        public string Name => inner.Name;
        public long AllocatedBytes => inner.AllocatedBytes;
        public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged => inner.Allocate<T>(shape);
        public void Synchronize() => inner.Synchronize();
        public IGemm Gemm => this;
        public IDelta Delta => this;
        public ISoftmax Softmax => this;
        public ICorruption Corruption => this;
        public IOptimizer Optimizer => this;
        public INonFinite NonFinite => inner.NonFinite;
        public ISvm Svm => inner.Svm;
        public IParzen Parzen => inner.Parzen;
        public IGenetic Genetic => inner.Genetic;
        public IConv2d Conv2d => inner.Conv2d;
        public IPooling Pooling => inner.Pooling;
        public IDropout Dropout => inner.Dropout;
        public ISampleSgd? SampleSgd => null;

        // The fixture owns the wrapped backend.
        public void Dispose()
        {
        }

        void IGemm.Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c) =>
            Record(nameof(IGemm.Gemm), () => inner.Gemm.Gemm(transA, transB, alpha, a, b, beta, c));

        void IGemm.Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c, GemmEpilogue epilogue) =>
            Record(nameof(IGemm.Gemm), () => inner.Gemm.Gemm(transA, transB, alpha, a, b, beta, c, epilogue));

        void IGemm.ColumnSums(float alpha, Tensor<float> a, float beta, Tensor<float> sums) =>
            Record(nameof(IGemm.ColumnSums), () => inner.Gemm.ColumnSums(alpha, a, beta, sums));

        void IGemm.ColumnSums(float alpha, Tensor<float> a, Tensor<float> a2, float beta, Tensor<float> sums, Tensor<float> sums2) =>
            Record(nameof(IGemm.ColumnSums), () => inner.Gemm.ColumnSums(alpha, a, a2, beta, sums, sums2));

        void IGemm.GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha, Tensor<float> a, Tensor<float> b, float beta,
            Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch) =>
            Record(nameof(IGemm.GemmBatched), () => inner.Gemm.GemmBatched(transA, transB, m, n, k, alpha, a, b, beta, c, epilogue, batch));

        void IDelta.SigmoidOutputLosses(LossKind loss, Tensor<float> z, Tensor<float> x, Tensor<float> losses) =>
            Record(nameof(IDelta.SigmoidOutputLosses), () => inner.Delta.SigmoidOutputLosses(loss, z, x, losses));

        void IDelta.SigmoidOutputDelta(LossKind loss, Tensor<float> z, Tensor<float> x, float scale, Tensor<float> delta, Tensor<float> losses) =>
            Record(nameof(IDelta.SigmoidOutputDelta), () => inner.Delta.SigmoidOutputDelta(loss, z, x, scale, delta, losses));

        void IDelta.SmoothStep(Tensor<float> x, float epsilon, Tensor<float> y) =>
            Record(nameof(IDelta.SmoothStep), () => inner.Delta.SmoothStep(x, epsilon, y));

        void IDelta.SmoothStepBackward(Tensor<float> x, Tensor<float> delta, float epsilon, Tensor<float> inputDelta) =>
            Record(nameof(IDelta.SmoothStepBackward), () => inner.Delta.SmoothStepBackward(x, delta, epsilon, inputDelta));

        void IDelta.ActivityL1(Tensor<float> y, Tensor<float> delta, Activation inputActivation, float lambda, float scale, Tensor<float> inputDelta,
            Tensor<float> losses) =>
            Record(nameof(IDelta.ActivityL1), () => inner.Delta.ActivityL1(y, delta, inputActivation, lambda, scale, inputDelta, losses));

        void IDelta.KlSparsity(Tensor<float> y, Tensor<float> delta, Tensor<float> meanActivation, Activation inputActivation, float rho, float beta,
            float scale, Tensor<float> inputDelta, Tensor<float> losses) =>
            Record(nameof(IDelta.KlSparsity), () => inner.Delta.KlSparsity(y, delta, meanActivation, inputActivation, rho, beta, scale, inputDelta, losses));

        void IDelta.ContractiveSigmoid(Tensor<float> h, Tensor<float> delta, Tensor<float> weights, float lambda, float scale, Tensor<float> preDelta,
            Tensor<float> weightsGrad, float gradientBeta, Tensor<float> rowNorms, Tensor<float> losses) =>
            Record(nameof(IDelta.ContractiveSigmoid),
                () => inner.Delta.ContractiveSigmoid(h, delta, weights, lambda, scale, preDelta, weightsGrad, gradientBeta, rowNorms, losses));

        void ISoftmax.BiasSoftmax(Tensor<float> x, Tensor<float> bias) =>
            Record(nameof(ISoftmax.BiasSoftmax), () => inner.Softmax.BiasSoftmax(x, bias));

        void ISoftmax.CrossEntropyDelta(Tensor<float> z, Tensor<int> labels, float scale, Tensor<float> delta, Tensor<float> losses) =>
            Record(nameof(ISoftmax.CrossEntropyDelta), () => inner.Softmax.CrossEntropyDelta(z, labels, scale, delta, losses));

        void ISoftmax.Argmax(Tensor<float> scores, Tensor<int> labels, Tensor<int> predictions, Tensor<int> correct) =>
            Record(nameof(ISoftmax.Argmax), () => inner.Softmax.Argmax(scores, labels, predictions, correct));

        void ICorruption.Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination) =>
            Record(nameof(ICorruption.Gather), () => inner.Corruption.Gather(data, indices, destination));

        void ICorruption.Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination) =>
            Record(nameof(ICorruption.Mask), () => inner.Corruption.Mask(x, indices, key, probability, destination));

        void ICorruption.Bernoulli(Tensor<float> probabilities, Tensor<int> indices, NoiseKey key, Tensor<float> destination) =>
            Record(nameof(ICorruption.Bernoulli), () => inner.Corruption.Bernoulli(probabilities, indices, key, destination));

        void ICorruption.GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked) =>
            Record(nameof(ICorruption.GatherMask), () => inner.Corruption.GatherMask(data, indices, key, probability, clean, masked));

        void ICorruption.Corrupt(Tensor<float> x, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination) =>
            Record(nameof(ICorruption.Corrupt), () => inner.Corruption.Corrupt(x, indices, key, corruption, destination));

        void ICorruption.GatherCorrupt(Tensor<float> data, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> clean,
            Tensor<float> corrupted) =>
            Record(nameof(ICorruption.GatherCorrupt), () => inner.Corruption.GatherCorrupt(data, indices, key, corruption, clean, corrupted));

        void ICorruption.CorruptBackward(Tensor<float> delta, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination) =>
            Record(nameof(ICorruption.CorruptBackward), () => inner.Corruption.CorruptBackward(delta, indices, key, corruption, destination));

        void ICorruption.CorruptBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, NoiseKey key,
            CorruptionNoise corruption, Tensor<float> destination) =>
            Record(nameof(ICorruption.CorruptBackward),
                () => inner.Corruption.CorruptBackward(delta, input, inputActivation, indices, key, corruption, destination));

        void IOptimizer.Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float learningRate, float momentum) =>
            Record(nameof(IOptimizer.Sgd), () => inner.Optimizer.Sgd(param, grad, velocity, learningRate, momentum));

        void IOptimizer.Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? momentumBuffer, SgdSettings settings, long step) =>
            Record(nameof(IOptimizer.Sgd), () => inner.Optimizer.Sgd(param, grad, momentumBuffer, settings, step));

        void IOptimizer.RmsProp(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg, Tensor<float>? momentumBuffer,
            RmsPropSettings settings) =>
            Record(nameof(IOptimizer.RmsProp), () => inner.Optimizer.RmsProp(param, grad, squareAvg, gradAvg, momentumBuffer, settings));

        void IOptimizer.Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> expAvg, Tensor<float> expAvgSq, AdamSettings settings, long step) =>
            Record(nameof(IOptimizer.Adam), () => inner.Optimizer.Adam(param, grad, expAvg, expAvgSq, settings, step));

        void IOptimizer.Fista(Tensor<float> param, Tensor<float> grad, Tensor<float> previous, FistaSettings settings, long step) =>
            Record(nameof(IOptimizer.Fista), () => inner.Optimizer.Fista(param, grad, previous, settings, step));

        void IOptimizer.ClipGradNorm(IReadOnlyList<Tensor<float>> grads, float maxNorm, Tensor<float> norm) =>
            Record(nameof(IOptimizer.ClipGradNorm), () => inner.Optimizer.ClipGradNorm(grads, maxNorm, norm));

        private void Record(string name, Action call)
        {
            Calls.Add(name);
            call();
        }
    }
}
