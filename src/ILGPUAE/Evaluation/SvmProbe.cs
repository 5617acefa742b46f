namespace ILGPUAE.Evaluation;

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Training;

/// <summary>What `probe svm` runs: a model file (or its run directory) and how to probe its top-layer codes.</summary>
/// <param name="Dataset">null: the model file's __metadata__ "dataset" (a `train dae` or `pretrain` file: its options'), else MNIST.</param>
/// <param name="C">A fixed C (no selection); null: chosen from <see cref="SvmProbe.Grid"/> on the validation set.</param>
/// <param name="CodesOut">A folder for the codes and labels of the three sets as .npy and the chosen C, for a peer to train on; null: none.</param>
public sealed record SvmProbeRequest(string Model, AcceleratorKind Accelerator = AcceleratorKind.Auto, int Device = 0, string? DataDir = null,
    DatasetKind? Dataset = null, int? TrainLimit = null, int? TestLimit = null, double? C = null, string? CodesOut = null, double Tolerance = 1e-4);

/// <summary>One trained SVM: its C, its validation score (null for the final one, retrained on train + valid), how its solver ended.</summary>
public sealed record SvmFit(double C, bool Final, ClassificationScore? Validation, int NewtonIterations, int ConjugateGradientIterations, bool Converged,
    double WorstRelativeGradientNorm);

/// <summary>The codes of the three sets, [N, Width] each, and the labels that selection may read. Test labels come separately, last.</summary>
public sealed record SvmCodeSets(float[] Train, int[] TrainLabels, float[] Valid, int[] ValidLabels, float[] Test, int Width, int Classes)
{
    public int TestCount => Test.Length / Width;
}

/// <summary>The outcome of a probe: every fit in order, the chosen C and the test score of the final SVM.</summary>
public sealed record SvmProbeOutcome(IReadOnlyList<SvmFit> Fits, double ChosenC, bool Selected, ClassificationScore Test, int[] TestLabels);

/// <summary>A probe's outcome with what it ran on.</summary>
public sealed record SvmProbeResult(string Accelerator, string Model, DatasetInfo Dataset, int Train, int Valid, int CodeWidth, SvmProbeOutcome Outcome,
    string ResultPath);

/// <summary>
/// `probe svm`: a linear SVM (<see cref="LinearSvm"/>) on an autoencoder's top-layer codes, the study's Tables II–IV protocol:
/// C chosen from 10⁻³ … 10³ by validation error, then retrained on train + valid and scored once on test, with its 95 % interval.
/// </summary>
public static class SvmProbe
{
    public const string ResultFileName = "svm.json";

    /// <summary>10⁻³, 10⁻², …, 10³.</summary>
    public static readonly double[] Grid = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // The objective's formula and device names as written, not as \uXXXX escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static SvmProbeResult Run(SvmProbeRequest request, Action<string>? log = null)
    {
        InputPath.NotEmpty(request.Model, "model");
        if (request.C is { } fixedC && !(fixedC > 0 && double.IsFinite(fixedC)))
            throw InputException.AboutSetting("svm_c", $"svm_c {fixedC.ToString(CultureInfo.InvariantCulture)}: expected a positive number");
        if (!(request.Tolerance > 0 && request.Tolerance < 1))
            throw InputException.AboutSetting("tolerance", $"tolerance {request.Tolerance.ToString(CultureInfo.InvariantCulture)}: expected a number in (0, 1)");
        if (request.CodesOut is { } codesOut)
            OutputDirectory.CheckPath(InputPath.NotEmpty(codesOut, "codes_out"), "codes_out");
        var path = Checkpoint.ModelPath(request.Model);
        var kind = request.Dataset ?? ModelDataset.Of(path, SafeTensorsFile.Read(path)) ?? DatasetKind.Mnist;
        var splits = Datasets.Load(kind, request.DataDir, log);
        var sets = splits.ForClassification().Limit(request.TrainLimit, request.TestLimit);
        // A model trained on binarised data (`train deep --binarize`) is probed on the same.
        if (Binarization.Of(path, SafeTensorsFile.Read(path).Metadata))
        {
            sets = sets.Binarized();
            log?.Invoke($"{path} was trained on binarised data (x > {Binarization.Threshold}): its codes are of the binarised sets");
        }
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, log);
        var codes = Codes(path, backend, sets, splits.Info.Classes);
        var outcome = Fit(backend, codes, () => Array.ConvertAll(sets.Test.Labels, l => (int)l), request.C, new LinearSvmSettings(request.Tolerance), log);
        var resultPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ResultFileName);
        AtomicFile.WriteAllText(resultPath, JsonSerializer.Serialize(Record(request, path, backend.Name, splits.Info, codes, outcome), Json));
        if (request.CodesOut is { } folder)
            WriteCodes(folder, codes, outcome);
        return new SvmProbeResult(backend.Name, path, splits.Info, codes.TrainLabels.Length, codes.ValidLabels.Length, codes.Width, outcome, resultPath);
    }

    /// <summary>
    /// Selection and the final fit on <paramref name="codes"/>: with <paramref name="fixedC"/> null, one SVM per C of <see cref="Grid"/>
    /// on train, scored on valid, the lowest validation error chosen (ties: the smaller C, the more regularised); then the SVM at
    /// that C on train + valid, scored on test. <paramref name="testLabels"/> is called once, after the final fit: nothing before it
    /// can depend on the test labels.
    /// </summary>
    public static SvmProbeOutcome Fit(IBackend backend, SvmCodeSets codes, Func<int[]> testLabels, double? fixedC, LinearSvmSettings settings,
        Action<string>? log = null, Action<SvmFit>? onFit = null)
    {
        var fits = new List<SvmFit>();
        void Record(SvmFit fit)
        {
            fits.Add(fit);
            onFit?.Invoke(fit);
            log?.Invoke(Describe(fit));
        }

        var chosen = fixedC ?? 0;
        if (fixedC is null)
        {
            using var train = SvmData.Upload(backend, codes.Train, codes.Width, codes.TrainLabels, codes.Classes);
            using var valid = SvmData.Upload(backend, codes.Valid, codes.Width, codes.ValidLabels, codes.Classes);
            using var svm = new LinearSvm(backend, train);
            ClassificationScore? best = null;
            foreach (var c in Grid)
            {
                var model = svm.Train(c, settings);
                var score = LinearSvm.Score(backend, valid, model.Weights);
                Record(Describe(model, final: false, score));
                if (best is null || score.Errors < best.Value.Errors)
                    (best, chosen) = (score, c);
            }
        }
        LinearSvmModel final;
        using (var trainValid = SvmData.Upload(backend, [.. codes.Train, .. codes.Valid], codes.Width, [.. codes.TrainLabels, .. codes.ValidLabels], codes.Classes))
        using (var svm = new LinearSvm(backend, trainValid))
            final = svm.Train(chosen, settings);
        Record(Describe(final, final: true, null));
        using var test = SvmData.Upload(backend, codes.Test, codes.Width, [], codes.Classes);
        var labels = testLabels();
        test.SetLabels(labels);
        return new SvmProbeOutcome(fits, chosen, fixedC is null, LinearSvm.Score(backend, test, final.Weights), labels);
    }

    /// <summary>"C 0.1: valid 3.20 % error (64 in 2000); 12 Newton / 140 CG iterations, converged".</summary>
    public static string Describe(SvmFit fit)
    {
        var what = fit.Validation is { } v ? $"valid {100 * v.Error:F2} % error ({v.Errors} in {v.Count})" : "final fit on train + valid";
        var end = fit.Converged ? "converged" : $"NOT converged (relative gradient norm {fit.WorstRelativeGradientNorm:E1})";
        return $"C {fit.C.ToString("G", CultureInfo.InvariantCulture)}: {what}; {fit.NewtonIterations} Newton / {fit.ConjugateGradientIterations} CG iterations, {end}";
    }

    private static SvmFit Describe(LinearSvmModel model, bool final, ClassificationScore? validation) =>
        new(model.C, final, validation, model.NewtonIterations, model.ConjugateGradientIterations, model.Converged, model.RelativeGradientNorms.Max());

    /// <summary>The top-layer codes of the three sets (<see cref="Networks.TopCodeModule"/>), forward only.</summary>
    private static SvmCodeSets Codes(string path, IBackend backend, ClassificationSplits sets, int classes)
    {
        // A `pretrain` stack loads as the deep autoencoder of its completed layers (Checkpoint.SpecOf).
        using var network = Checkpoint.Load(path, backend, ClassifierEvaluator.ChunkRows);
        if (network.Spec is null)
            throw new InputException($"{path}: the file holds no network architecture; expected an autoencoder's model");
        int top;
        try
        {
            top = Networks.TopCodeModule(network.Spec);
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{path}: {e.Message}; expected an autoencoder's model");
        }
        if (network.Body.Inputs != sets.Train.Features)
            throw InputException.AboutSetting("dataset", $"dataset {sets.Train.Name}: {sets.Train.Features} values per example; the model takes {network.Body.Inputs}");
        using var evaluator = new NetworkEvaluator(backend, network);
        float[] Of(Dataset set)
        {
            using var x = backend.Allocate<float>(set.Count, set.Features);
            x.CopyFrom(set.Pixels);
            return evaluator.Codes(x, top);
        }
        var width = network.Body.Modules[top].Outputs;
        return new SvmCodeSets(Of(sets.Train), Labels(sets.Train), Of(sets.Valid), Labels(sets.Valid), Of(sets.Test), width, classes);
    }

    private static int[] Labels(Dataset set) => Array.ConvertAll(set.Labels, l => (int)l);

    /// <summary>{train,valid,test}_codes.npy [N, width] float32, {train,valid,test}_labels.npy [N] int32, and c.json with the chosen C.</summary>
    public static void WriteCodes(string folder, SvmCodeSets codes, SvmProbeOutcome outcome)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, values, labels) in new[]
                 {
                     ("train", codes.Train, codes.TrainLabels), ("valid", codes.Valid, codes.ValidLabels), ("test", codes.Test, outcome.TestLabels),
                 })
        {
            NpyFile.Write(Path.Combine(folder, $"{name}_codes.npy"), values, values.Length / codes.Width, codes.Width);
            NpyFile.Write(Path.Combine(folder, $"{name}_labels.npy"), labels, labels.Length);
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "c.json"), JsonSerializer.Serialize(new
        {
            c = outcome.ChosenC,
            test_errors = outcome.Test.Errors,
            test_count = outcome.Test.Count,
        }, Json));
    }

    private static object Record(SvmProbeRequest request, string path, string accelerator, DatasetInfo dataset, SvmCodeSets codes, SvmProbeOutcome outcome) => new
    {
        model = path,
        dataset = dataset.Name,
        dataset_display_name = dataset.DisplayName,
        accelerator,
        code_width = codes.Width,
        train = codes.TrainLabels.Length,
        valid = codes.ValidLabels.Length,
        test = codes.TestCount,
        objective = "one-vs-rest, per class ½‖w‖² + C·Σ max(0, 1 − y(w·x + b))², the intercept b regularised as a feature of value 1 (LIBLINEAR -s 2 -B 1)",
        tolerance = request.Tolerance,
        selected = outcome.Selected,
        grid = outcome.Fits.Where(f => !f.Final).Select(f => new
        {
            c = f.C,
            valid_errors = f.Validation!.Value.Errors,
            valid_error = f.Validation.Value.Error,
            newton_iterations = f.NewtonIterations,
            converged = f.Converged,
        }),
        chosen_c = outcome.ChosenC,
        final = outcome.Fits.Where(f => f.Final).Select(f => new { newton_iterations = f.NewtonIterations, converged = f.Converged }).Single(),
        test_errors = outcome.Test.Errors,
        test_count = outcome.Test.Count,
        test_error = outcome.Test.Error,
        test_error_interval95 = outcome.Test.HalfWidth95,
    };
}
