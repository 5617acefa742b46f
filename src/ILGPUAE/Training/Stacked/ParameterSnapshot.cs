namespace ILGPUAE.Training.Stacked;

using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>
/// A host copy of every parameter of a classifier (the best-validation model while fine-tuning), with
/// its arrays allocated once; <see cref="Capture"/> and <see cref="Restore"/> copy without allocating.
/// </summary>
public sealed class ParameterSnapshot
{
    private readonly NamedTensor[] tensors;

    public ParameterSnapshot(FeedForwardClassifier model)
    {
        tensors = model.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Tensor.Shape.Dimensions], new float[p.Tensor.Length])).ToArray();
        Capture(model);
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
