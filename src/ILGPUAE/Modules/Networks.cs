namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Objectives;
using ILGPUAE.Random;

/// <summary>
/// Today's models as modules: the tied denoising autoencoder (corrupt → encoder → tied decoder, reconstruction of the
/// clean input) and the classifier (the stack's encoders, MLP layers, a softmax top, softmax cross-entropy). Parameter
/// names are the checkpoint names the verbs have always written (W, b_hidden, b_visible; layer{i}.…, mlp{j}.…).
/// </summary>
public static class Networks
{
    /// <summary>
    /// y = act(W·x̃ + b_hidden), z = s(Wᵀ·y + b_visible), x̃ masked with probability <paramref name="corruption"/>; with
    /// <paramref name="activityL1"/> &gt; 0, an <see cref="ActivityL1"/> penalty on y between the two.
    /// </summary>
    public static NetworkSpec TiedDae(int visible, int hidden, float corruption, LossKind loss, Activation activation = Activation.Sigmoid,
        float activityL1 = 0f)
    {
        List<ModuleSpec> modules =
        [
            new CorruptSpec(visible, CorruptionKind.Masking, corruption, RngStream.Mask),
            new DenseSpec(visible, hidden, activation, TiedAutoencoder.WeightName, TiedAutoencoder.HiddenBiasName),
        ];
        if (activityL1 > 0f)
            modules.Add(new ActivityL1Spec(hidden, activityL1));
        modules.Add(new TiedDenseSpec(Encoder: 1, Activation.Sigmoid, TiedAutoencoder.VisibleBiasName));
        return new NetworkSpec(modules, new ReconstructionSpec(loss));
    }

    /// <summary>
    /// Sigmoid layers then a softmax layer, named as <see cref="ClassifierArchitecture"/> names them; the input is masked
    /// with probability <paramref name="corruption"/> while training (the fine-tuning stream). Layers below
    /// <paramref name="firstTrained"/> are frozen.
    /// </summary>
    public static NetworkSpec Classifier(ClassifierArchitecture architecture, float corruption = 0f, int firstTrained = 0)
    {
        var modules = new List<ModuleSpec> { new CorruptSpec(architecture.Inputs, CorruptionKind.Masking, corruption, RngStream.FinetuneMask) };
        for (var l = 0; l < architecture.LayerCount; l++)
        {
            var top = l == architecture.LayerCount - 1;
            modules.Add(new DenseSpec(architecture.InputsOf(l), architecture.OutputsOf(l), top ? Activation.Identity : Activation.Sigmoid,
                architecture.WeightName(l), architecture.BiasName(l), Softmax: top));
        }
        // Module 0 is the corruption: layer l is module l + 1.
        return new NetworkSpec(modules, new SoftmaxCrossEntropySpec(), firstTrained + 1);
    }

    /// <summary>The checkpoint names of deep layer <paramref name="layer"/>: layer{i}.W [out, in], layer{i}.b_hidden, layer{i}.b_visible (as a pretrained stack's).</summary>
    public static (string Weight, string HiddenBias, string VisibleBias) DeepLayerNames(int layer)
    {
        var prefix = $"{ClassifierArchitecture.StackPrefix}{layer}";
        return ($"{prefix}.{TiedAutoencoder.WeightName}", $"{prefix}.{TiedAutoencoder.HiddenBiasName}", $"{prefix}.{TiedAutoencoder.VisibleBiasName}");
    }

    /// <summary>
    /// A deep autoencoder with tied weights per layer, logistic units and cross-entropy reconstruction of its input: layers
    /// <paramref name="firstLayer"/> … firstLayer + N − 1 for <paramref name="widths"/> = [d_in, d_1, …, d_N], encoders in order,
    /// then their tied decoders in reverse (decoder i reads layer i's W transposed; W is stored once). With
    /// <paramref name="corruption"/>, the input of every layer is corrupted while training (the corrupted code of layer i is what
    /// layer i + 1 encodes), each layer's draws keyed apart (<see cref="CorruptSpec.Layer"/>); with <paramref name="contraction"/>
    /// λ &gt; 0, each encoder carries a <see cref="Contractive"/> penalty λ‖∂h_i/∂h_{i−1}‖²_F. N = 1 with firstLayer i is layer i's
    /// own local autoencoder (greedy layer-wise training), named as in the whole stack so the two share tensors by name.
    /// L2 weight decay is the optimizer's (the weights group), not a module.
    /// </summary>
    public static NetworkSpec DeepAutoencoder(IReadOnlyList<int> widths, CorruptionNoise? corruption = null, float contraction = 0f, int firstLayer = 0)
    {
        if (widths.Count < 2)
            throw new ArgumentException($"a deep autoencoder needs an input width and at least one layer; got {widths.Count} widths", nameof(widths));
        var layers = widths.Count - 1;
        var modules = new List<ModuleSpec>();
        var encoderIndex = new int[layers];
        for (var k = 0; k < layers; k++)
        {
            var layer = firstLayer + k;
            if (corruption is { } noise && noise.Amount != 0f)
                modules.Add(new CorruptSpec(widths[k], noise.Kind, noise.Amount, RngStream.Mask, layer));
            var (w, bh, _) = DeepLayerNames(layer);
            encoderIndex[k] = modules.Count;
            modules.Add(new DenseSpec(widths[k], widths[k + 1], Activation.Sigmoid, w, bh));
            if (contraction > 0f)
                modules.Add(new ContractiveSpec(contraction));
        }
        for (var k = layers - 1; k >= 0; k--)
            modules.Add(new TiedDenseSpec(encoderIndex[k], Activation.Sigmoid, DeepLayerNames(firstLayer + k).VisibleBias));
        return new NetworkSpec(modules, new ReconstructionSpec(LossKind.CrossEntropy));
    }

    /// <summary>The checkpoint names of the convolutional encoder's two convolutions: enc{k}.W [out, in, 3, 3] and enc{k}.b [out], k = 1, 2.</summary>
    public static (string Weight, string Bias) ConvEncoderNames(int convolution) => ($"enc{convolution}.W", $"enc{convolution}.b");

    /// <summary>Values of the convolutional encoder's code: 4 channels of 7×7 (<see cref="ConvEncoder"/>).</summary>
    public const int ConvCodeWidth = 4 * 7 * 7;

    /// <summary>
    /// The convolutional encoder of Barletta and De Benedetti's autoencoder on 28×28 single-channel images (issue 15): conv 1→8 (ReLU) →
    /// 2×2 max-pool → conv 8→4 (ReLU) → 2×2 max-pool, a 7×7×4 code (<see cref="ConvCodeWidth"/> values per row, NCHW). The modules a
    /// convolutional autoencoder starts with and a classifier on its frozen (or randomly initialised) encoder reuses, names and all.
    /// Other image sides (<paramref name="height"/>, <paramref name="width"/>, multiples of 4) give a code of 4 × height/4 × width/4
    /// (small networks for gradient checks).
    /// </summary>
    public static IReadOnlyList<ModuleSpec> ConvEncoder(int height = 28, int width = 28)
    {
        RequireMultipleOfFour(height, nameof(height));
        RequireMultipleOfFour(width, nameof(width));
        var (w1, b1) = ConvEncoderNames(1);
        var (w2, b2) = ConvEncoderNames(2);
        return
        [
            new Conv2dSpec(1, 8, height, width, Activation.Relu, w1, b1),
            new MaxPool2dSpec(8, height, width),
            new Conv2dSpec(8, 4, height / 2, width / 2, Activation.Relu, w2, b2),
            new MaxPool2dSpec(4, height / 2, width / 2),
        ];
    }

    /// <summary>The checkpoint names of the convolutional decoder's three convolutions: dec{k}.W [out, in, 3, 3] and dec{k}.b [out], k = 1 … 3.</summary>
    public static (string Weight, string Bias) ConvDecoderNames(int convolution) => ($"dec{convolution}.W", $"dec{convolution}.b");

    /// <summary>
    /// Barletta and De Benedetti's convolutional autoencoder (issue 15): <see cref="ConvEncoder"/>, then the decoder conv 4→4 (ReLU) →
    /// nearest 2× upsample → conv 4→8 (ReLU) → nearest 2× upsample → conv 8→1 (sigmoid), and reconstruction of the input by
    /// <paramref name="loss"/>: per image −Σ[x log z + (1 − x) log(1 − z)] (<see cref="LossKind.CrossEntropy"/>, the default; PyTorch's
    /// BCELoss is this ÷ pixels) or the study's ½‖x − z‖² (<see cref="LossKind.SquaredError"/>; MSELoss is this ÷ (pixels/2)), constants
    /// Adam's steps do not see. With squared error, this network can collapse to an all-black output on MNIST (Training.Cae.CaeOptions.Loss
    /// says why). The study's layer list leaves the last activation open; a sigmoid keeps the outputs in the pixels' [0, 1] and is what
    /// <see cref="Reconstruction"/> is defined on. With <paramref name="codeL1"/> λ &gt; 0, an <see cref="ActivityL1"/> penalty
    /// λ·Σ|code| sits between the encoder and the decoder (the sparse code most sparse-autoencoder work means); the study's λ‖w‖₁ on
    /// the weights is the optimizer's (<see cref="Optimizers.OptimizerOptions.WeightL1"/>), not a module.
    /// </summary>
    public static NetworkSpec ConvAutoencoder(float codeL1 = 0f, int height = 28, int width = 28, LossKind loss = LossKind.CrossEntropy)
    {
        var modules = new List<ModuleSpec>(ConvEncoder(height, width));
        var (h, w) = (height / 4, width / 4);
        if (codeL1 > 0f)
            modules.Add(new ActivityL1Spec(4 * h * w, codeL1));
        var (w1, b1) = ConvDecoderNames(1);
        var (w2, b2) = ConvDecoderNames(2);
        var (w3, b3) = ConvDecoderNames(3);
        modules.AddRange(
        [
            new Conv2dSpec(4, 4, h, w, Activation.Relu, w1, b1),
            new Upsample2dSpec(4, h, w),
            new Conv2dSpec(4, 8, 2 * h, 2 * w, Activation.Relu, w2, b2),
            new Upsample2dSpec(8, 2 * h, 2 * w),
            new Conv2dSpec(8, 1, height, width, Activation.Sigmoid, w3, b3),
        ]);
        return new NetworkSpec(modules, new ReconstructionSpec(loss));
    }

    private static void RequireMultipleOfFour(int side, string name)
    {
        if (side < 4 || side % 4 != 0)
            throw new ArgumentOutOfRangeException(name, side, "the convolutional autoencoder pools twice and upsamples twice: sides must be multiples of 4");
    }

    /// <summary>
    /// The checkpoint names of sparse autoencoder layer <paramref name="layer"/>: the stack's encoder names (<see cref="DeepLayerNames"/>:
    /// layer{i}.W [hidden, visible], layer{i}.b_hidden [hidden], so a classifier finds them), an untied decoder's layer{i}.W_decoder
    /// [visible, hidden] and layer{i}.b_visible [visible].
    /// </summary>
    public static (string Weight, string HiddenBias, string DecoderWeight, string VisibleBias) SparseLayerNames(int layer)
    {
        var (w, bh, bv) = DeepLayerNames(layer);
        return (w, bh, $"{ClassifierArchitecture.StackPrefix}{layer}.W_decoder", bv);
    }

    /// <summary>
    /// Layer <paramref name="layer"/> of a stack of sparse autoencoders (Ng's UFLDL notes): h = σ(W·x + b_hidden), a <see cref="KlSparsity"/>
    /// penalty β·Σ KL(ρ‖ρ̂) on h, and z = σ(W_decoder·h + b_visible) with an untied W_decoder [visible, hidden] (or, <paramref name="tied"/>,
    /// Wᵀ), reconstruction by <paramref name="loss"/>. Weight decay (α/2)‖W‖² is the optimizer's (the weights group), not a module.
    /// </summary>
    public static NetworkSpec SparseAutoencoder(int visible, int hidden, float rho, float beta, bool tied = false, LossKind loss = LossKind.SquaredError,
        int layer = 0)
    {
        var (w, bh, wd, bv) = SparseLayerNames(layer);
        return new NetworkSpec(
        [
            new DenseSpec(visible, hidden, Activation.Sigmoid, w, bh),
            new KlSparsitySpec(hidden, rho, beta),
            tied ? new TiedDenseSpec(Encoder: 0, Activation.Sigmoid, bv) : new DenseSpec(hidden, visible, Activation.Sigmoid, wd, bv),
        ], new ReconstructionSpec(loss));
    }

    /// <summary>
    /// A stack of sparse autoencoder layers as one network (what a greedily trained stack is saved as): every layer's encoder and KL penalty
    /// in order, then the decoders in reverse, each layer named as <see cref="SparseAutoencoder"/> names it alone; <paramref name="widths"/> =
    /// [d_in, d_1, …, d_N].
    /// </summary>
    public static NetworkSpec SparseStack(IReadOnlyList<int> widths, float rho, float beta, bool tied = false, LossKind loss = LossKind.SquaredError)
    {
        var modules = new List<ModuleSpec>();
        var encoders = new int[widths.Count - 1];
        for (var k = 0; k + 1 < widths.Count; k++)
        {
            var (w, bh, _, _) = SparseLayerNames(k);
            encoders[k] = modules.Count;
            modules.Add(new DenseSpec(widths[k], widths[k + 1], Activation.Sigmoid, w, bh));
            modules.Add(new KlSparsitySpec(widths[k + 1], rho, beta));
        }
        for (var k = widths.Count - 2; k >= 0; k--)
        {
            var (_, _, wd, bv) = SparseLayerNames(k);
            modules.Add(tied ? new TiedDenseSpec(encoders[k], Activation.Sigmoid, bv) : new DenseSpec(widths[k + 1], widths[k], Activation.Sigmoid, wd, bv));
        }
        return new NetworkSpec(modules, new ReconstructionSpec(loss));
    }

    /// <summary>The checkpoint names of a label classifier's softmax layer: fc.W [classes, inputs] and fc.b [classes].</summary>
    public static (string Weight, string Bias) SoftmaxHeadNames => ("fc.W", "fc.b");

    /// <summary>The softmax layer on top of a code of <paramref name="codeWidth"/> values: what a frozen encoder's classifier trains.</summary>
    public static DenseSpec SoftmaxHead(int codeWidth, int classes) =>
        new(codeWidth, classes, Activation.Identity, SoftmaxHeadNames.Weight, SoftmaxHeadNames.Bias, Softmax: true);

    /// <summary>
    /// <paramref name="encoder"/>'s modules (frozen: <see cref="NetworkSpec.FirstTrained"/> is their count), then one fully connected
    /// softmax layer from its <paramref name="codeWidth"/> outputs to <paramref name="classes"/>, softmax cross-entropy (issue 15's
    /// pretrained- and random-encoder classifiers, on <see cref="ConvEncoder"/> and <see cref="ConvCodeWidth"/>).
    /// </summary>
    public static NetworkSpec EncoderClassifier(IReadOnlyList<ModuleSpec> encoder, int codeWidth, int classes)
    {
        if (encoder.Count == 0)
            throw new ArgumentException("an encoder classifier needs at least one encoder module", nameof(encoder));
        return new NetworkSpec([.. encoder, SoftmaxHead(codeWidth, classes)], new SoftmaxCrossEntropySpec(), encoder.Count);
    }

    /// <summary>The checkpoint names of the small CNN's convolutions: conv{k}.W [5, in, 3, 3] and conv{k}.b [5], k = 1, 2.</summary>
    public static (string Weight, string Bias) SmallCnnNames(int convolution) => ($"conv{convolution}.W", $"conv{convolution}.b");

    /// <summary>The small CNN's dropout probability before its linear layer.</summary>
    public const float SmallCnnDropout = 0.2f;

    /// <summary>
    /// Barletta and De Benedetti's small CNN trained from scratch on 28×28 single-channel images: conv 1→5 (ReLU) → 2×2 max-pool →
    /// conv 5→5 (ReLU) → flatten → dropout 0.2 → linear → softmax (its layer list: one pool, 5·14·14 = 980 features). Its text
    /// speaks of a second pool after the second convolution; <paramref name="secondPool"/> adds it (5·7·7 = 245 features).
    /// </summary>
    public static NetworkSpec SmallCnn(int classes, bool secondPool = false)
    {
        var (w1, b1) = SmallCnnNames(1);
        var (w2, b2) = SmallCnnNames(2);
        List<ModuleSpec> modules =
        [
            new Conv2dSpec(1, 5, 28, 28, Activation.Relu, w1, b1),
            new MaxPool2dSpec(5, 28, 28),
            new Conv2dSpec(5, 5, 14, 14, Activation.Relu, w2, b2),
        ];
        var side = 14;
        if (secondPool)
        {
            modules.Add(new MaxPool2dSpec(5, 14, 14));
            side = 7;
        }
        var features = 5 * side * side;
        modules.Add(new DropoutSpec(features, SmallCnnDropout));
        modules.Add(SoftmaxHead(features, classes));
        return new NetworkSpec(modules, new SoftmaxCrossEntropySpec());
    }

    /// <summary>
    /// The index of the module whose output is an autoencoder's top code: the last <see cref="DenseSpec"/> before the first tied
    /// decoder (what a probe on the codes reads). Throws when <paramref name="spec"/> has no tied decoder.
    /// </summary>
    public static int TopCodeModule(NetworkSpec spec)
    {
        var firstDecoder = spec.Modules.ToList().FindIndex(m => m is TiedDenseSpec);
        if (firstDecoder < 1)
            throw new ArgumentException("the network is not an autoencoder with tied decoders: it has no code layer");
        for (var i = firstDecoder - 1; i >= 0; i--)
            if (spec.Modules[i] is DenseSpec)
                return i;
        throw new ArgumentException("the network has no encoder before its first decoder");
    }

    /// <summary>
    /// The index of the module whose output is the code of any autoencoder built here, tied or not: <see cref="TopCodeModule"/> when it
    /// has tied decoders (train dae, pretrain, train deep, train ga, a tied train sparse); the last module of <see cref="ConvEncoder"/>
    /// when the network starts with it (train cae); and for dense layers without tied decoders (train anamo, an untied train sparse),
    /// the module below the first decoder, the decoders being the second half of the dense layers, each mirroring an encoder's sizes.
    /// Penalty modules (identity forward) after the code are passed over; a smooth step that binarises it (train anamo) is the code.
    /// Throws when <paramref name="spec"/> is none of these.
    /// </summary>
    public static int CodeModule(NetworkSpec spec)
    {
        var modules = spec.Modules;
        if (modules.Any(m => m is TiedDenseSpec))
            return TopCodeModule(spec);
        if (modules.FirstOrDefault() is Conv2dSpec first && first.Height % 4 == 0 && first.Width % 4 == 0)
        {
            var encoder = ConvEncoder(first.Height, first.Width);
            if (modules.Count > encoder.Count && modules.Take(encoder.Count).SequenceEqual(encoder))
                return encoder.Count - 1;
        }
        var dense = modules.Select((m, i) => (Module: m as DenseSpec, Index: i)).Where(d => d.Module is not null).ToList();
        var n = dense.Count;
        if (n < 2 || n % 2 != 0 || dense.Any(d => d.Module!.Softmax))
            throw new ArgumentException("the network is not an autoencoder of a known shape: it has no code layer");
        for (var k = 0; k < n / 2; k++)
        {
            var (encoderLayer, decoderLayer) = (dense[k].Module!, dense[n - 1 - k].Module!);
            if (decoderLayer.Inputs != encoderLayer.Outputs || decoderLayer.Outputs != encoderLayer.Inputs)
                throw new ArgumentException($"the network's dense layers do not mirror each other (layer {k}: {encoderLayer.Inputs}→{encoderLayer.Outputs}, " +
                    $"layer {n - 1 - k}: {decoderLayer.Inputs}→{decoderLayer.Outputs}): it has no code layer");
        }
        var code = dense[n / 2].Index - 1;
        while (modules[code] is ActivityL1Spec or ContractiveSpec or KlSparsitySpec)
            code--;
        return code;
    }
}
