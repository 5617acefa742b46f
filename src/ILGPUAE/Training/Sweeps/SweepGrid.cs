namespace ILGPUAE.Training.Sweeps;

using System.Globalization;
using ILGPUAE.IO;
using ILGPUAE.Training.Deep;

/// <summary>
/// The names a sweep's files and messages use for its enums and settings; a regularizer is named as everywhere else,
/// <see cref="DeepOptions.Name"/>.
/// </summary>
public static class SweepNames
{
    public static string Of(DeepScheme scheme) => scheme.ToString();

    /// <summary>The setting a regularizer's strength is: noise (σ of the corruption), contraction (λ), weight_decay.</summary>
    public static string StrengthSetting(DeepRegularizer regularizer) => regularizer switch
    {
        DeepRegularizer.Denoise => "noise",
        DeepRegularizer.Contract => "contraction",
        DeepRegularizer.L2 => "weight_decay",
        _ => throw new ArgumentOutOfRangeException(nameof(regularizer), regularizer, null),
    };

    /// <summary>The study's prefix of a column: DAE (denoising), CAE (contractive), AE (plain, L2 weight decay).</summary>
    public static string ModelPrefix(DeepRegularizer regularizer) => regularizer switch
    {
        DeepRegularizer.Denoise => "DAE",
        DeepRegularizer.Contract => "CAE",
        DeepRegularizer.L2 => "AE",
        _ => throw new ArgumentOutOfRangeException(nameof(regularizer), regularizer, null),
    };

    public static bool TryParse(string text, out DeepRegularizer regularizer)
    {
        foreach (var r in Enum.GetValues<DeepRegularizer>())
            if (DeepOptions.Name(r) == text)
            {
                regularizer = r;
                return true;
            }
        regularizer = default;
        return false;
    }

    public static bool TryParse(string text, out DeepScheme scheme)
    {
        foreach (var s in Enum.GetValues<DeepScheme>())
            if (Of(s) == text)
            {
                scheme = s;
                return true;
            }
        scheme = default;
        return false;
    }

    /// <summary>A number as every sweep file writes it: invariant, shortest round trip ("0.001", "1E-05").</summary>
    public static string Number(float value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One configuration of a grid: its learning rate and its regularizer's strength (noise σ, contraction λ or weight decay).
/// <see cref="Ordinal"/> is its place in the grid (learning rate major), which sharding and ties go by; <see cref="Key"/> names it
/// in files and directories ("lr0.001-noise0.1") and is the same on every machine for the same values.
/// </summary>
public sealed record SweepConfig(int Ordinal, DeepRegularizer Regularizer, float LearningRate, float Strength)
{
    public string Key => $"lr{SweepNames.Number(LearningRate)}-{SweepNames.StrengthSetting(Regularizer).Replace("_", "", StringComparison.Ordinal)}{SweepNames.Number(Strength)}";

    public override string ToString() =>
        $"#{Ordinal} learning_rate {SweepNames.Number(LearningRate)}, {SweepNames.StrengthSetting(Regularizer)} {SweepNames.Number(Strength)}";
}

/// <summary>
/// Learning rates × strengths of one regularizer, every pair a <see cref="SweepConfig"/>. The defaults are the study's grid:
/// learning rate {0.001, 0.005, 0.01, 0.02} × noise {0.1, 0.3, 0.5, 0.7, 0.9} or contraction {0.01, 0.05, 0.15, 0.3, 0.6}.
/// The study gives no grid for L2; ours is weight decay {1e-5, 1e-4, 1e-3, 1e-2, 0.1}: five decades, five values like the other two
/// (no 0: an L2 run's weight decay is its regularizer, and without it the run is U's unregularised joint phase, not the study's AE).
/// </summary>
public sealed class SweepGrid
{
    public static readonly float[] StudyLearningRates = [0.001f, 0.005f, 0.01f, 0.02f];
    public static readonly float[] StudyNoise = [0.1f, 0.3f, 0.5f, 0.7f, 0.9f];
    public static readonly float[] StudyContraction = [0.01f, 0.05f, 0.15f, 0.3f, 0.6f];
    public static readonly float[] OurWeightDecay = [1e-5f, 1e-4f, 1e-3f, 1e-2f, 0.1f];

    private SweepGrid(DeepRegularizer regularizer, float[] learningRates, float[] strengths)
    {
        Regularizer = regularizer;
        LearningRates = learningRates;
        Strengths = strengths;
        var configs = new List<SweepConfig>(learningRates.Length * strengths.Length);
        foreach (var lr in learningRates)
            foreach (var strength in strengths)
                configs.Add(new SweepConfig(configs.Count, regularizer, lr, strength));
        Configs = configs;
    }

    public DeepRegularizer Regularizer { get; }
    public IReadOnlyList<float> LearningRates { get; }
    public IReadOnlyList<float> Strengths { get; }

    /// <summary>Every configuration, in ordinal order.</summary>
    public IReadOnlyList<SweepConfig> Configs { get; }

    /// <summary>The study's grid for <paramref name="regularizer"/> (ours for L2).</summary>
    public static float[] DefaultStrengths(DeepRegularizer regularizer) => regularizer switch
    {
        DeepRegularizer.Denoise => StudyNoise,
        DeepRegularizer.Contract => StudyContraction,
        DeepRegularizer.L2 => OurWeightDecay,
        _ => throw new ArgumentOutOfRangeException(nameof(regularizer), regularizer, null),
    };

    /// <summary>
    /// The grid of <paramref name="learningRates"/> × <paramref name="strengths"/> (null: the defaults). Each list must be non-empty
    /// and hold distinct values (two equal ones would be one configuration under one key); learning rates finite and &gt; 0,
    /// strengths finite and ≥ 0. A bad list is an <see cref="InputException"/> naming its setting.
    /// </summary>
    public static SweepGrid Create(DeepRegularizer regularizer, IReadOnlyList<float>? learningRates = null, IReadOnlyList<float>? strengths = null)
    {
        var lrs = Checked("learning_rate", learningRates ?? StudyLearningRates, v => float.IsFinite(v) && v > 0, "finite numbers > 0");
        var ss = Checked(SweepNames.StrengthSetting(regularizer), strengths ?? DefaultStrengths(regularizer), v => float.IsFinite(v) && v >= 0, "finite numbers ≥ 0");
        return new SweepGrid(regularizer, lrs, ss);
    }

    private static float[] Checked(string setting, IReadOnlyList<float> values, Func<float, bool> ok, string expected)
    {
        var text = string.Join(",", values.Select(SweepNames.Number));
        if (values.Count == 0)
            throw InputException.ForSetting(setting, "(none)", $"a list of one or more {expected}");
        foreach (var v in values)
            if (!ok(v))
                throw InputException.AboutSetting(setting, $"{setting} {text}: {SweepNames.Number(v)} is out of range; expected {expected}");
        if (values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw InputException.AboutSetting(setting, $"{setting} {text}: {SweepNames.Number(twice.Key)} is given twice; expected distinct values");
        return [.. values];
    }

    /// <summary>"learning_rate 0.001,0.005 × noise 0.1,0.3 (4 configurations)".</summary>
    public override string ToString() =>
        $"learning_rate {string.Join(",", LearningRates.Select(SweepNames.Number))} × {SweepNames.StrengthSetting(Regularizer)} {string.Join(",", Strengths.Select(SweepNames.Number))} ({Configs.Count} configurations)";
}

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, as `--shard i/n` reads): the configurations whose ordinal % n = i − 1,
/// so that n machines given 1/n … n/n run every configuration of a grid exactly once.
/// </summary>
public readonly record struct SweepShard(int Index, int Count)
{
    public static readonly SweepShard Whole = new(1, 1);

    public bool Contains(SweepConfig config) => Contains(config.Ordinal);

    /// <summary>Whether the run of <paramref name="ordinal"/> (0-based, in the sweep's order) is this shard's.</summary>
    public bool Contains(int ordinal) => ordinal % Count == Index - 1;

    /// <summary>"i/n" with integers 1 ≤ i ≤ n; anything else is an <see cref="InputException"/> about the setting "shard".</summary>
    public static SweepShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && Integer(parts[0]) is { } i && Integer(parts[1]) is { } n && n >= 1 && i >= 1 && i <= n)
            return new SweepShard(i, n);
        // Control characters escaped, so that the message stays one line.
        var shown = text.Length == 0 ? "\"\"" : string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        throw InputException.ForSetting("shard", shown, "i/n with integers 1 ≤ i ≤ n, e.g. 2/4 (the second of four shards)");
    }

    private static int? Integer(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    public override string ToString() => $"{Index}/{Count}";
}
