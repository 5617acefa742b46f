namespace ILGPUAE.Checkpoints;

using System.Globalization;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

/// <summary>
/// An optimizer's state in a checkpoint: each state tensor under "&lt;parameter&gt;.&lt;state&gt;" (e.g. "W.exp_avg",
/// "layer0.W.momentum_buffer") and each parameter's step count in __metadata__ under "&lt;parameter&gt;.step", beside
/// the rule's settings, so a resumed run continues the very same update.
/// </summary>
public static class OptimizerCheckpoint
{
    public const string OptimizerKey = "optimizer";

    public static IEnumerable<NamedTensor> Tensors(Optimizer optimizer) =>
        optimizer.State.Select(s => new NamedTensor(s.Name, [.. s.Tensor.Shape.Dimensions], s.Tensor.ToArray()));

    /// <summary>Adds the step counts and the rule's kind to <paramref name="metadata"/>.</summary>
    public static void AddMetadata(Optimizer optimizer, IDictionary<string, string> metadata)
    {
        metadata[OptimizerKey] = optimizer.Options.Kind.ToString();
        foreach (var (name, steps) in optimizer.StepCounts)
            metadata[name] = steps.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Copies the saved state tensors and step counts of <paramref name="file"/> into <paramref name="optimizer"/>, checking each.</summary>
    public static void Restore(string path, SafeTensorsFile file, Optimizer optimizer)
    {
        if (!file.Metadata.TryGetValue(OptimizerKey, out var kind) || kind != optimizer.Options.Kind.ToString())
            throw new InputException($"{path}: __metadata__.{OptimizerKey} is '{kind}', expected '{optimizer.Options.Kind}' (the run's optimizer)");
        foreach (var s in optimizer.State)
            s.Tensor.CopyFrom(DaeCheckpoint.Tensor(path, file, s.Name, [.. s.Tensor.Shape.Dimensions]));
        foreach (var name in optimizer.StepCounts.Keys)
        {
            var parameter = name[..^(OptimizerStateNames.Step.Length + 1)];
            optimizer.SetStepCount(parameter, DaeCheckpoint.ReadInt(path, file, name));
        }
    }
}
