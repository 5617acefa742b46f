namespace ILGPUAE.Training.Sweeps;

using System.Globalization;
using ILGPUAE.Evaluation;
using ILGPUAE.Training.Deep;

/// <summary>
/// What a sweep trains: one cell of the study's tables — a dataset, a scheme, a regularizer and the hidden layers' widths.
/// <see cref="Generated"/>: the dataset came from our generator, not the original files (every table says so).
/// </summary>
public sealed record SweepCell(string Dataset, DeepScheme Scheme, DeepRegularizer Regularizer, string Layers, bool Generated)
{
    /// <summary>A cell with <paramref name="widths"/> written as <see cref="Layers"/> does: "1000-1000".</summary>
    public static SweepCell Of(string dataset, DeepScheme scheme, DeepRegularizer regularizer, IReadOnlyList<int> widths, bool generated)
    {
        if (string.IsNullOrWhiteSpace(dataset) || dataset.Any(char.IsControl))
            throw new ArgumentException($"'{dataset}' is not a dataset name", nameof(dataset));
        if (widths.Count == 0 || widths.Any(w => w <= 0))
            throw new ArgumentException($"widths {string.Join(",", widths)}: expected one or more widths > 0", nameof(widths));
        return new SweepCell(dataset, scheme, regularizer, string.Join("-", widths.Select(SweepNames.Number)), generated);
    }

    public int LayerCount => Layers.Split('-').Length;

    /// <summary>The study's name of the table column: DAE-2L, CAE-2J, AE-3UJ.</summary>
    public string Column => $"{SweepNames.ModelPrefix(Regularizer)}-{LayerCount}{SweepNames.Of(Scheme)}";

    public override string ToString() => $"{Dataset} {Column} (layers {Layers})";
}

/// <summary>What a trial reports for one configuration.</summary>
/// <param name="ValidError">The validation metric the best configuration is picked by, lower is better (the SVM probe's validation
/// error, a fraction); never a test figure.</param>
/// <param name="TestErrors">Misclassified test examples, of <paramref name="TestExamples"/>.</param>
/// <param name="Epochs">Epochs the model was trained (per layer for scheme L).</param>
public sealed record SweepOutcome(double ValidError, int TestErrors, int TestExamples, int Epochs)
{
    /// <summary>A trial that reports nonsense is a bug in the trial, not bad input.</summary>
    public void Validate()
    {
        if (!double.IsFinite(ValidError) || ValidError < 0)
            throw new InvalidOperationException($"a trial reported the validation error {ValidError}; expected a finite number ≥ 0");
        if (TestExamples <= 0 || TestErrors < 0 || TestErrors > TestExamples)
            throw new InvalidOperationException($"a trial reported {TestErrors} test errors in {TestExamples}; expected 0 ≤ errors ≤ examples, examples > 0");
        if (Epochs < 0)
            throw new InvalidOperationException($"a trial reported {Epochs} epochs; expected ≥ 0");
    }

    public ClassificationScore Test => new(TestErrors, TestExamples);
}

/// <summary>How a configuration finished: with an outcome, or diverged (its row counts as run and is never picked).</summary>
public enum SweepStatus
{
    Done,
    Diverged,
}

/// <summary>
/// One finished configuration of a sweep: the cell, the settings every configuration of the cell shares (free text the sweep's
/// caller writes, e.g. "epochs=300 batch=100 seed=1"), the grid's size, the configuration, and what it gave.
/// <see cref="Outcome"/> is null when <see cref="Status"/> is <see cref="SweepStatus.Diverged"/>.
/// </summary>
public sealed record SweepRow(SweepCell Cell, string Settings, int GridSize, SweepConfig Config, SweepStatus Status, SweepOutcome? Outcome, double Seconds)
{
    /// <summary>The columns of rows.csv, in order.</summary>
    public static readonly string[] Header =
    [
        "dataset", "scheme", "regularizer", "layers", "generated", "settings", "grid_size", "ordinal", "key", "learning_rate", "strength",
        "status", "valid_error", "test_errors", "test_examples", "epochs", "seconds",
    ];

    public IEnumerable<string> Fields() =>
    [
        Cell.Dataset, SweepNames.Of(Cell.Scheme), DeepOptions.Name(Cell.Regularizer), Cell.Layers, Cell.Generated ? "true" : "false", Settings,
        SweepNames.Number(GridSize), SweepNames.Number(Config.Ordinal), Config.Key, SweepNames.Number(Config.LearningRate), SweepNames.Number(Config.Strength),
        Status == SweepStatus.Done ? "done" : "diverged",
        Outcome is null ? "" : SweepNames.Number(Outcome.ValidError),
        Outcome is null ? "" : SweepNames.Number(Outcome.TestErrors),
        Outcome is null ? "" : SweepNames.Number(Outcome.TestExamples),
        Outcome is null ? "" : SweepNames.Number(Outcome.Epochs),
        Seconds.ToString("0.###", CultureInfo.InvariantCulture),
    ];

    /// <summary>The row <paramref name="fields"/> hold (as <see cref="Fields"/> wrote them), or null and why not.</summary>
    public static SweepRow? TryParse(IReadOnlyList<string> fields, out string? problem)
    {
        problem = null;
        if (fields.Count != Header.Length)
            return Fail(out problem, $"{fields.Count} fields; expected {Header.Length}");
        string F(string name) => fields[Array.IndexOf(Header, name)];
        if (!SweepNames.TryParse(F("scheme"), out DeepScheme scheme))
            return Fail(out problem, $"scheme '{F("scheme")}'; expected L, U, J or UJ");
        if (!SweepNames.TryParse(F("regularizer"), out DeepRegularizer regularizer))
            return Fail(out problem, $"regularizer '{F("regularizer")}'; expected denoise, contract or l2");
        var widths = F("layers").Split('-');
        if (widths.Any(w => Int(w) is not > 0))
            return Fail(out problem, $"layers '{F("layers")}'; expected widths > 0 joined by '-', e.g. 1000-1000");
        if (F("generated") is not ("true" or "false"))
            return Fail(out problem, $"generated '{F("generated")}'; expected true or false");
        if (F("dataset").Length == 0)
            return Fail(out problem, "an empty dataset");
        if (Int(F("grid_size")) is not { } grid || grid <= 0)
            return Fail(out problem, $"grid_size '{F("grid_size")}'; expected an integer > 0");
        if (Int(F("ordinal")) is not { } ordinal || ordinal < 0 || ordinal >= grid)
            return Fail(out problem, $"ordinal '{F("ordinal")}'; expected an integer from 0 to grid_size − 1 = {grid - 1}");
        if (Float(F("learning_rate")) is not { } lr || Float(F("strength")) is not { } strength)
            return Fail(out problem, $"learning_rate '{F("learning_rate")}' or strength '{F("strength")}' is not a number");
        var config = new SweepConfig(ordinal, regularizer, lr, strength);
        if (config.Key != F("key"))
            return Fail(out problem, $"key '{F("key")}' does not match learning_rate {F("learning_rate")} and strength {F("strength")}; expected {config.Key}");
        if (Double(F("seconds")) is not { } seconds || seconds < 0)
            return Fail(out problem, $"seconds '{F("seconds")}'; expected a number ≥ 0");
        SweepOutcome? outcome = null;
        SweepStatus status;
        switch (F("status"))
        {
            case "done":
                status = SweepStatus.Done;
                if (Double(F("valid_error")) is not { } valid || Int(F("test_errors")) is not { } errors || Int(F("test_examples")) is not { } examples
                    || Int(F("epochs")) is not { } epochs)
                    return Fail(out problem, "valid_error, test_errors, test_examples or epochs is not a number");
                outcome = new SweepOutcome(valid, errors, examples, epochs);
                try
                {
                    outcome.Validate();
                }
                catch (InvalidOperationException e)
                {
                    return Fail(out problem, e.Message.Replace("a trial reported", "it holds", StringComparison.Ordinal));
                }
                break;
            case "diverged":
                status = SweepStatus.Diverged;
                if (F("valid_error").Length + F("test_errors").Length + F("test_examples").Length + F("epochs").Length > 0)
                    return Fail(out problem, "a diverged row with results; expected valid_error, test_errors, test_examples and epochs empty");
                break;
            default:
                return Fail(out problem, $"status '{F("status")}'; expected done or diverged");
        }
        var cell = new SweepCell(F("dataset"), scheme, regularizer, F("layers"), F("generated") == "true");
        return new SweepRow(cell, F("settings"), grid, config, status, outcome, seconds);
    }

    /// <summary>Whether <paramref name="other"/> reports the same thing (the seconds it took aside: a rerun takes other seconds).</summary>
    public bool SameAs(SweepRow other) => this with { Seconds = 0 } == other with { Seconds = 0 };

    private static SweepRow? Fail(out string? problem, string why)
    {
        problem = why;
        return null;
    }

    private static int? Int(string s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static float? Float(string s) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v) ? v : null;

    private static double? Double(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
}
