namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backends;

/// <summary>The options every computing verb shares.</summary>
public abstract class AcceleratorOptions
{
    [Option("accelerator", Default = AcceleratorKind.Auto,
        HelpText = "auto | cuda | opencl | host (the managed SIMD provider, every core) | cpu (ILGPU's CPU accelerator: emulates GPU threads, for checks, far too slow to train on). auto picks CUDA, then a usable OpenCL device, then host.")]
    public AcceleratorKind Accelerator { get; set; }

    [Option("device", Default = 0, HelpText = "Device index within the chosen backend, as `ilgpuae devices` lists it.")]
    public int Device { get; set; }

    [Option("data-dir", HelpText = "Folder with the dataset's files (MNIST: the four IDX files, raw or .gz; Fashion-MNIST v2: 0.json … 9.json; a generated set: its IDX files and manifest.json); default: the user cache dir (~/.cache/ilgpuae/NAME), fetched on first use.")]
    public string? DataDir { get; set; }
}
