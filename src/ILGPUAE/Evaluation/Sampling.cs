namespace ILGPUAE.Evaluation;

using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Training;

/// <summary>What `sample` runs: a model file (or its run directory), where, on which dataset, and how long a chain.</summary>
/// <param name="Dataset">null: the model's own (its __metadata__ "dataset", or a `train dae` run's options), else MNIST.</param>
/// <param name="TestLimit">Score only the first that many test images (null: all).</param>
/// <param name="Out">Where the picture and the estimate go; null: the model's directory.</param>
/// <param name="WriteSamples">Also write the kept means as samples.npy ([samples, inputs] float32).</param>
public sealed record SampleRequest(string Model, AcceleratorKind Accelerator = AcceleratorKind.Auto, int Device = 0, string? DataDir = null,
    DatasetKind? Dataset = null, int Samples = 10000, int Chains = 1, ulong Seed = 1, int? TestLimit = null, string? Out = null, bool WriteSamples = false);

/// <summary>What `sample` found and wrote.</summary>
/// <param name="Dataset">The dataset's name (as --dataset takes it).</param>
/// <param name="TestSet">The test images scored, e.g. "MNIST test".</param>
/// <param name="Binarized">The model was trained on binarised data (<see cref="Binarization"/>): the chains started from binarised test
/// images and the picture's nearest images are binarised training images; the Parzen estimate is on the real-valued images all the same.</param>
public sealed record SampleResult(string Accelerator, string Dataset, string TestSet, int Samples, int Chains, ParzenEstimate Estimate, int ValidationExamples,
    double ChainSeconds, double ParzenSeconds, string Picture, string EstimateFile, string? SamplesFile, bool Binarized = false);

/// <summary>
/// The one entry point of sampling and its log-likelihood: loads the model, runs it as a GSN chain (<see cref="GsnChain"/>) from the first
/// test image(s), draws consecutive samples with the nearest training image at the end of each row (samples.png), and fits a Parzen window
/// on the samples (<see cref="ParzenProtocol"/>: σ on the first 1000 validation images, then the test images), written to parzen.json.
/// A model trained on binarised data (its __metadata__ <see cref="Binarization.MetadataKey"/>) starts from the binarised test image(s) and
/// is pictured beside the nearest binarised training image, as the GSN setup has it; the Parzen window still scores the real-valued images
/// (pixels in [0, 1]), the protocol's log-likelihood.
/// </summary>
public static class Sampling
{
    public const string PictureFile = "samples.png";
    public const string EstimateFile = "parzen.json";
    public const string SamplesFile = "samples.npy";

    /// <summary>The metadata key of the dataset a model was trained on (its name, as --dataset takes it).</summary>
    public const string DatasetKey = ModelDataset.Key;

    /// <summary>Validation images σ is chosen on: MNIST's train[50000:51000], as in the GSN and GAN papers.</summary>
    public const int ValidationExamples = 1000;

    /// <summary>The picture: rows of consecutive samples of chain 0, then the training image nearest the row's last sample.</summary>
    public const int PictureRows = 10, PictureColumns = 20;

    public static SampleResult Run(SampleRequest request, Action<string>? log = null)
    {
        Validate(request);
        var path = Checkpoint.ModelPath(request.Model);
        var file = SafeTensorsFile.Read(path);
        var dataset = request.Dataset ?? ModelDataset.Of(path, file) ?? DatasetKind.Mnist;
        var binarized = Binarization.Of(path, file.Metadata);
        var outDir = request.Out ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        InputPath.NotEmpty(outDir, "out");
        if (File.Exists(outDir))
            throw InputException.AboutSetting("out", $"out {outDir}: is a file; expected a directory");

        // The model is checked against the dataset's shape before the data is read.
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, log);
        using var network = Checkpoint.Load(path, backend, request.Chains);
        var info = Datasets.Info(dataset);
        var d = info.Shape.Features;
        if (network.Body.Inputs != d || network.Body.Outputs != d)
            throw InputException.AboutSetting("model",
                $"model {path}: takes {network.Body.Inputs} values and gives {network.Body.Outputs}; sampling needs an autoencoder of the dataset's {d} ({info.DisplayName}), with dataset {info.Name}",
                "dataset");

        var splits = Datasets.Load(dataset, request.DataDir, log);
        var test = splits.Test.Limit(request.TestLimit, "test_limit");
        if (request.Chains > test.Count)
            throw TooManyChains(request.Chains, test.Count);
        var validation = splits.Validation.Take(Math.Min(ValidationExamples, splits.Validation.Count));

        var settings = new ChainSettings(request.Samples, request.Chains, request.Seed, ChainSettings.DefaultCorruption);
        var clock = Stopwatch.StartNew();
        var starts = binarized ? test.Take(request.Chains).Binarized() : test;
        var samples = GsnChain.Run(network, starts.Pixels.AsSpan(0, request.Chains * d), settings);
        var chainSeconds = clock.Elapsed.TotalSeconds;
        log?.Invoke($"chain{(binarized ? " (the model was trained on binarised data: from the binarised test image)" : "")}: {request.Samples} samples ({request.Chains} chain{(request.Chains == 1 ? "" : "s")} × {settings.Steps} steps) in {chainSeconds:F1} s");

        clock.Restart();
        ParzenEstimate estimate;
        using (var window = new ParzenWindow(backend, samples, d))
            estimate = ParzenProtocol.Estimate(window, validation.Pixels, ParzenProtocol.DefaultSigmas, () => test.Pixels);
        var parzenSeconds = clock.Elapsed.TotalSeconds;
        log?.Invoke($"parzen: σ {estimate.Sigma:G4} (validation), test log-likelihood {estimate.Test.Mean:F2} ± {estimate.Test.StandardError:F2} nats over {test.Count} images in {parzenSeconds:F1} s");

        Directory.CreateDirectory(outDir);
        var picture = Path.Combine(outDir, PictureFile);
        DrawPicture(backend, samples, settings, binarized ? splits.Train.Binarized() : splits.Train, picture);
        string? npy = null;
        if (request.WriteSamples)
        {
            npy = Path.Combine(outDir, SamplesFile);
            NpyFile.Write(npy, samples, request.Samples, d);
        }
        var result = new SampleResult(backend.Name, info.Name, test.Name, request.Samples, request.Chains, estimate, validation.Count, chainSeconds, parzenSeconds,
            picture, Path.Combine(outDir, EstimateFile), npy, binarized);
        AtomicFile.WriteAllText(result.EstimateFile, EstimateJson(result, path, request, settings));
        return result;
    }

    private static void Validate(SampleRequest request)
    {
        if (request.Samples < 1)
            throw InputException.ForSetting("samples", request.Samples, "a whole number ≥ 1");
        if (request.Chains < 1)
            throw InputException.ForSetting("chains", request.Chains, "a whole number ≥ 1");
        if (request.Samples % request.Chains != 0)
            throw InputException.AboutSetting("samples",
                $"samples {request.Samples}: does not split into chains {request.Chains} of equal length; expected a multiple of {request.Chains}", "chains");
        // What can be refused without the data is refused before it is read; the test set's own size is checked once it is.
        if (request.TestLimit is < 1)
            throw InputException.ForSetting("test_limit", request.TestLimit, "a whole number ≥ 1");
        if (request.TestLimit is { } limit && request.Chains > limit)
            throw TooManyChains(request.Chains, limit);
    }

    private static InputException TooManyChains(int chains, int testImages) =>
        InputException.AboutSetting("chains", $"chains {chains}: each chain starts from its own test image and there are {testImages}; expected at most {testImages}");

    /// <summary>
    /// Up to <see cref="PictureRows"/> rows of <see cref="PictureColumns"/> consecutive means of chain 0 (fewer when the chain is shorter),
    /// each row ended by the training image nearest its last sample.
    /// </summary>
    private static void DrawPicture(IBackend backend, float[] samples, ChainSettings settings, Dataset train, string path)
    {
        var d = train.Features;
        var columns = Math.Min(PictureColumns, settings.Steps);
        var rows = Math.Min(PictureRows, settings.Steps / columns);
        var side = (int)Math.Round(Math.Sqrt(d));
        var last = new float[rows * d];
        for (var r = 0; r < rows; r++)
            ChainMean(samples, settings, d, r * columns + columns - 1).CopyTo(last.AsSpan(r * d, d));
        var nearest = NearestRows.Find(backend, last, train.Pixels, d);
        var image = new TileImage(side, columns + 1, rows);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
                image.Draw(r, c, ChainMean(samples, settings, d, r * columns + c), TileScaling.UnitInterval);
            image.Draw(r, columns, train.Pixels.AsSpan(nearest[r] * d, d), TileScaling.UnitInterval);
        }
        image.Write(path);
    }

    /// <summary>Chain 0's mean at step t + 1.</summary>
    private static ReadOnlySpan<float> ChainMean(float[] samples, ChainSettings settings, int d, int t) =>
        samples.AsSpan(t * settings.Chains * d, d);

    private static string EstimateJson(SampleResult r, string model, SampleRequest request, ChainSettings settings)
    {
        var json = new
        {
            model = Path.GetFullPath(model),
            dataset = r.Dataset,
            test_set = r.TestSet,
            accelerator = r.Accelerator,
            samples = r.Samples,
            chains = r.Chains,
            steps_per_chain = settings.Steps,
            seed = request.Seed,
            corruption = new { kind = "salt_and_pepper", probability = settings.Corruption.Amount },
            // Trained on binarised data: the chains' starts and the picture's nearest training images were binarised (the estimate's images never are).
            binarize = r.Binarized,
            validation_examples = r.ValidationExamples,
            sigmas = r.Estimate.Widths.Select(w => new { sigma = w.Sigma, validation_log_likelihood = w.ValidationLogLikelihood }),
            sigma = r.Estimate.Sigma,
            test = new { log_likelihood = r.Estimate.Test.Mean, standard_error = r.Estimate.Test.StandardError, examples = r.Estimate.Test.Examples },
            units = "nats",
            seconds = new { chain = r.ChainSeconds, parzen = r.ParzenSeconds },
        };
        return JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
