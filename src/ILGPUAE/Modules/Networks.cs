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
}
