namespace ILGPUAE.Training.Stacked;

using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>
/// A host copy of every parameter of a model (the best-validation model while fine-tuning or training a deep autoencoder), with
/// its arrays allocated once; <c>Capture</c> and <c>Restore</c> copy without allocating.
/// </summary>
public sealed class ParameterSnapshot
{
    private readonly NamedTensor[] tensors;
    private readonly (string Name, Backend.Tensor<float> Tensor)[] sources;
    private readonly Backend.IBackend backend;

    public ParameterSnapshot(FeedForwardClassifier model)
        : this(model.Backend, model.Parameters)
    {
    }

    /// <summary>A copy of <paramref name="parameters"/> (named as the checkpoint names them), taken now.</summary>
    public ParameterSnapshot(Backend.IBackend backend, IEnumerable<(string Name, Backend.Tensor<float> Tensor)> parameters)
    {
        this.backend = backend;
        sources = [.. parameters];
        tensors = sources.Select(p => new NamedTensor(p.Name, [.. p.Tensor.Shape.Dimensions], new float[p.Tensor.Length])).ToArray();
        Capture();
    }

    /// <summary>Copies the parameters it was made from.</summary>
    public void Capture()
    {
        backend.Synchronize();
        foreach (var (tensor, (_, parameter)) in tensors.Zip(sources))
            parameter.CopyTo(tensor.Data);
    }

    /// <summary>Puts the copy back into the parameters it was made from.</summary>
    public void Restore()
    {
        foreach (var (tensor, (_, parameter)) in tensors.Zip(sources))
            parameter.CopyFrom(tensor.Data);
    }

    /// <summary>Tensors named as the checkpoint names them.</summary>
    public IReadOnlyList<NamedTensor> Tensors => tensors;

    public void Capture(FeedForwardClassifier model)
    {
        model.Backend.Synchronize();
        foreach (var (tensor, (_, parameter)) in tensors.Zip(model.Parameters))
            parameter.CopyTo(tensor.Data);
    }

    public void Restore(FeedForwardClassifier model)
    {
        foreach (var (tensor, (_, parameter)) in tensors.Zip(model.Parameters))
            parameter.CopyFrom(tensor.Data);
    }

    /// <summary>Overwrites this snapshot with the tensors of <paramref name="file"/> (shapes checked).</summary>
    public void Load(string path, SafeTensorsFile file)
    {
        foreach (var tensor in tensors)
            DaeCheckpoint.Tensor(path, file, tensor.Name, tensor.Shape).CopyTo(tensor.Data, 0);
    }
}
