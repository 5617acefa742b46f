namespace ILGPUAE.Cli;

using ILGPUAE.Data;
using ILGPUAE.Training;

/// <summary>A live progress bar per epoch and one summary line when each epoch ends (see <see cref="ConsoleProgress"/>).</summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private readonly ConsoleProgress console;
    private int epochs;

    private ConsoleTrainingObserver(ConsoleProgress console) => this.console = console;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public static T Run<T>(Func<ITrainingObserver, T> work) => ConsoleProgress.Run(console => work(new ConsoleTrainingObserver(console)));

    public void Note(string message) => console.Line(message);

    public void Started(string accelerator, DaeOptions options, int trainExamples, int testExamples, int firstEpoch)
    {
        epochs = options.Epochs;
        console.Line($"accelerator: {accelerator}");
        console.Line($"data: {Datasets.Info(options.Dataset).DisplayName}, {trainExamples} train / {testExamples} test; hidden {options.Hidden}, corruption {options.Corruption}, " +
            $"loss {options.Loss}, {OptimizerText(options)}, batch {options.Batch}, seed {options.Seed}" +
            (options.Hogwild >= 2 ? $", hogwild {options.Hogwild} (not reproducible)" : ""));
        if (firstEpoch > 1)
            console.Line($"resuming at epoch {firstEpoch} of {epochs}");
    }

    public void Progress(StepProgress p)
    {
        // Hogwild reports no running loss (NaN): the workers' losses are only summed at the epoch's end.
        var loss = double.IsNaN(p.RunningLoss) ? "" : $" · loss {p.RunningLoss:F4}";
        console.Update($"epoch {p.Epoch}/{epochs} · {p.Processed}/{p.Total}{loss} · {p.SamplesPerSecond:F0} samples/s", p.Processed, p.Total);
    }

    public void EpochDone(EpochReport r)
    {
        console.Complete();
        console.Line($"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s");
    }

    /// <summary>"lr 0.1, momentum 0.9" (SGD, as before the other rules existed) or "adam lr 0.001, weight decay 0.01, clip 1".</summary>
    private static string OptimizerText(DaeOptions options)
    {
        var o = options.Optimizer;
        var text = o.Kind == Optimizers.OptimizerKind.Sgd
            ? $"lr {options.LearningRate}, momentum {options.Momentum}"
            : $"{o.Kind.ToString().ToLowerInvariant()} lr {options.LearningRate}" + (options.Momentum != 0 ? $", momentum {options.Momentum}" : "");
        if (o.WeightDecay != 0)
            text += $", weight decay {o.WeightDecay}";
        if (o.ClipGradNorm is { } clip)
            text += $", clip {clip}";
        return text;
    }
}
