namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using global::CommandLine;
using ILGPUAE.Evaluation;

[Verb("sample", HelpText = "Sample a denoising autoencoder as a GSN Markov chain (corrupt → reconstruct → Bernoulli sample) and score the test set under a Gaussian Parzen window on the samples (σ chosen on 1000 validation images).")]
public sealed class SampleOptions : DatasetOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors) holding an autoencoder, e.g. from `train deep` or `train dae`.")]
    public string Model { get; set; } = "";

    [Option("samples", Default = 10000, HelpText = "Samples kept: the means of that many consecutive chain steps (over all chains).")]
    public int Samples { get; set; }

    [Option("chains", Default = 1, HelpText = "Chains run side by side as one batch, chain k starting from test image k; --samples must be a multiple. The study's protocol is 1: short chains stay near the test images they start from, which flatters the test log-likelihood.")]
    public int Chains { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of the chain's corruption and Bernoulli draws.")]
    public ulong Seed { get; set; }

    [Option("test-limit", HelpText = "Score only the first N test images.")]
    public int? TestLimit { get; set; }

    [Option("out", HelpText = "Output directory for samples.png and parzen.json (default: the model's directory).")]
    public string? Out { get; set; }

    [Option("npy", HelpText = "Also write the samples as samples.npy ([samples, pixels] float32).")]
    public bool Npy { get; set; }
}

/// <summary>`sample`: <see cref="Sampling.Run"/>, printed.</summary>
public static class SampleVerb
{
    public static int Run(SampleOptions o)
    {
        var request = new SampleRequest(o.Model, o.Accelerator, o.Device, o.DataDir, o.ParseDataset(), o.Samples, o.Chains, o.Seed, o.TestLimit, o.Out, o.Npy);
        var r = Sampling.Run(request, Console.WriteLine);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"accelerator: {r.Accelerator}");
        foreach (var w in r.Estimate.Widths)
            Console.WriteLine(string.Format(inv, "  σ {0,-8:G4} validation log-likelihood {1:F2}", w.Sigma, w.ValidationLogLikelihood));
        Console.WriteLine(string.Format(inv, "Parzen log-likelihood on {0} ({1} images, {2} samples, σ {3:G4} chosen on {4} validation images): {5:F2} ± {6:F2} nats",
            r.TestSet, r.Estimate.Test.Examples, r.Samples, r.Estimate.Sigma, r.ValidationExamples, r.Estimate.Test.Mean, r.Estimate.Test.StandardError));
        Console.WriteLine(string.Format(inv, "seconds: chain {0:F2}, parzen {1:F2}", r.ChainSeconds, r.ParzenSeconds));
        Console.WriteLine($"wrote {r.Picture}, {r.EstimateFile}{(r.SamplesFile is null ? "" : ", " + r.SamplesFile)}");
        return CliApp.Ok;
    }
}
