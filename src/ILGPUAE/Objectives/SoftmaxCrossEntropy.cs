namespace ILGPUAE.Objectives;

using ILGPUAE.Backend;
using ILGPUAE.Modules;

/// <summary>
/// −log p[label] for softmax outputs p [b, classes] (the log clamped at −100); delta = (p − onehot)/b, the gradient w.r.t.
/// the logits. A label outside the classes gives a NaN loss, so training stops there.
/// </summary>
public sealed class SoftmaxCrossEntropy(IBackend backend) : IObjective
{
    public void Validate(IModule top)
    {
        var last = top is Sequential s ? s.Modules[^1] : top;
        if (last is not Dense { SoftmaxOutput: true })
            throw new ArgumentException($"softmax cross-entropy scores a softmax layer; the model's top is {last.GetType().Name}");
    }

    public void Delta(Tensor<float> output, in Targets targets, Tensor<float> delta, Tensor<float> losses)
    {
        var labels = targets.Labels ?? throw new ArgumentException("softmax cross-entropy needs class labels", nameof(targets));
        backend.Softmax.CrossEntropyDelta(output, labels, 1f / output.Rows, delta, losses);
    }
}
