namespace ILGPUAE.Training;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// The out directory of a network run on the one <see cref="Trainer"/> that checkpoints model.safetensors and
/// train_state.safetensors together (`train cae`, `train deep`): opened and checked before any work, created by
/// <see cref="Create"/> once every other input is known to be good, so a refused run leaves nothing behind.
/// </summary>
internal sealed class NetworkRunDirectory : IDisposable
{
    private readonly RunDirectory run;

    private NetworkRunDirectory(RunDirectory run)
    {
        this.run = run;
        ModelPath = System.IO.Path.Combine(run.Path, DaeCheckpoint.ModelFileName);
        StatePath = System.IO.Path.Combine(run.Path, DaeCheckpoint.StateFileName);
    }

    public string Path => run.Path;
    public string ModelPath { get; }
    public string StatePath { get; }

    /// <summary>
    /// Opens <paramref name="outDir"/> (<see cref="OutputDirectory.Open"/>); on resume both checkpoint files must be there, or one line
    /// about resume says which is missing and that <paramref name="verb"/> writes them.
    /// </summary>
    public static NetworkRunDirectory Open(string outDir, bool resume, bool force, string verb, Action<string> note)
    {
        var directory = new NetworkRunDirectory(OutputDirectory.Open(InputPath.NotEmpty(outDir, resume ? "resume" : "out"), resume, force, note));
        if (resume)
            foreach (var path in new[] { directory.ModelPath, directory.StatePath })
                if (!File.Exists(path))
                {
                    directory.Dispose();
                    throw InputException.AboutSetting("resume", $"resume {outDir}: {path} does not exist; expected a directory written by `{verb}`");
                }
        return directory;
    }

    /// <summary>
    /// The run's control (<see cref="RunControl.None"/> for null), refused when checkpoint_every is negative; notes that curves.png will
    /// lack its text when no font is found.
    /// </summary>
    public static RunControl CheckControl(RunControl? requested, string outDir, Action<string> note)
    {
        var control = requested ?? RunControl.None;
        if (control.CheckpointEvery < 0)
            throw InputException.AboutSetting("checkpoint_every", $"checkpoint_every {control.CheckpointEvery}: expected an integer ≥ 0 (0: at epoch ends only)");
        if (CurveFonts.Check(outDir) is { } noFonts)
            note(noFonts);
        return control;
    }

    public void Create() => run.Create();

    public void Dispose() => run.Dispose();
}

/// <summary>
/// train_state.safetensors of a network run: every parameter of the model as it is now (param.NAME), the optimizer's state, the
/// caller's metadata (format, options, its counts and kept model, in the caller's order), then the optimizer's, and, mid-epoch, the
/// trainer's position and the epoch's losses so far.
/// </summary>
internal static class NetworkTrainState
{
    public const string ParameterPrefix = "param.";

    /// <summary>The kept model's validation loss (Infinity before one is kept).</summary>
    public const string BestLossKey = "best_valid_loss";

    /// <summary>
    /// Stages the state of <paramref name="model"/>, <paramref name="trainer"/> and <paramref name="optimizer"/> at <paramref name="path"/>
    /// (null: a step whose optimizers keep nothing between calls, as ANAMO's, or with no optimizer of its own, as a line search).
    /// </summary>
    public static void Stage(CheckpointCommit commit, string path, Network model, Trainer trainer, Optimizer? optimizer, Dictionary<string, string> metadata)
    {
        trainer.Backend.Synchronize();
        var tensors = model.Body.Parameters.Select(p => new NamedTensor(ParameterPrefix + p.Name, [.. p.Shape.Dimensions], p.Value.ToArray()))
            .Concat(optimizer is null ? [] : OptimizerCheckpoint.Tensors(optimizer)).ToList();
        if (optimizer is not null)
            OptimizerCheckpoint.AddMetadata(optimizer, metadata);
        if (trainer.Position > 0)
        {
            var partial = trainer.PartialLosses();
            metadata[DaeCheckpoint.PositionKey] = partial.Length.ToString(CultureInfo.InvariantCulture);
            tensors.Add(new NamedTensor(DaeCheckpoint.PartialLossesName, [partial.Length], partial));
        }
        commit.Stage(path, new SafeTensorsFile(tensors, metadata).Write);
    }

    /// <summary>Reads <paramref name="path"/>, refused in one line unless its format is <paramref name="format"/> (a directory <paramref name="verb"/> wrote).</summary>
    public static SafeTensorsFile Read(string path, string format, string verb)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var saved) || saved != format)
            throw new InputException($"{path}: __metadata__.{DaeCheckpoint.FormatKey} is '{saved}', expected '{format}' (a directory written by `{verb}`)");
        return file;
    }

    /// <summary>
    /// Where the saved trainer stood (its steps, and mid-epoch the examples done and their losses, for batches of
    /// <paramref name="batch"/>) and the kept model's validation loss.
    /// </summary>
    public static (long StepsDone, int Position, float[] Losses, double BestLoss) ReadProgress(string path, SafeTensorsFile file, int batch)
    {
        var steps = DaeCheckpoint.ReadInt(path, file, DaeCheckpoint.StepsKey);
        var (position, losses) = DaeCheckpoint.ReadPosition(path, file, batch);
        return (steps, position, losses, ReadBestLoss(path, file));
    }

    /// <summary>The kept model's validation loss as saved: a number ≥ 0, or Infinity when nothing was kept yet.</summary>
    private static double ReadBestLoss(string path, SafeTensorsFile file)
    {
        if (!file.Metadata.TryGetValue(BestLossKey, out var text) || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bestLoss)
            || double.IsNaN(bestLoss) || bestLoss < 0 || double.IsNegativeInfinity(bestLoss))
            throw new InputException($"{path}: __metadata__.{BestLossKey} is '{text}', expected a number ≥ 0 or Infinity");
        return bestLoss;
    }

    /// <summary>Copies every saved parameter (param.NAME) of <paramref name="file"/> into <paramref name="model"/>.</summary>
    public static void RestoreParameters(string path, SafeTensorsFile file, Network model)
    {
        foreach (var p in model.Body.Parameters)
            p.Value.CopyFrom(DaeCheckpoint.Tensor(path, file, ParameterPrefix + p.Name, [.. p.Shape.Dimensions]));
    }
}
