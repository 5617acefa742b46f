namespace ILGPUAE.Tests.Packaging;

using System.Diagnostics;
using System.Reflection;
using ILGPUAE.Evaluation;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;
using Xunit.Abstractions;

/// <summary>
/// The two packages as a user meets them (README, "Three ways in"): packed from the outputs the tests were built with into a
/// local feed; the tool installed from it into a temp tool path and run; a console project in a clean temp directory restoring
/// the library from it and running the README's sample. Each result is compared with the same command of the build in this
/// repository, which must give the same bits. Needs the NuGet registry (the library's third-party dependencies) and MNIST in the
/// user cache (run-tests.sh fetches it).
/// </summary>
public sealed class PackageInstallTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public void BothPackagesInstallFromALocalFeedAndWork()
    {
        var clock = Stopwatch.StartNew();
        using var dir = new TempDirectory();
        var feed = dir.File("feed");
        // A private packages folder: the global one keeps a package by id and version for good, so a second run would restore
        // the first run's ILGPUAE.
        var environment = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = dir.File("packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            // No MSBuild node outlives its command (and holds the redirected output open).
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };

        // --no-build: the Release outputs stay as they are while other tests run them.
        var configuration = typeof(PackageInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        foreach (var project in new[] { "src/ILGPUAE/ILGPUAE.csproj", "src/ILGPUAE.Cli/ILGPUAE.Cli.csproj" })
            Succeeds(Dotnet(environment, Repository.Root, "pack", Path.Combine(Repository.Root, project), "-c", configuration, "--no-build", "-o", feed));
        var version = Repository.Version;
        Assert.Equal([$"ILGPUAE.{version}.nupkg", $"ILGPUAE.Tool.{version}.nupkg"],
            Directory.GetFiles(feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        output.WriteLine($"packed in {clock.Elapsed.TotalSeconds:F0} s");

        TheToolWorks(dir, feed, environment, version);
        output.WriteLine($"tool checked at {clock.Elapsed.TotalSeconds:F0} s");
        TheLibraryWorks(dir, feed, environment, version);
        output.WriteLine($"library checked at {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public void TheReadmesShowTheSampleProgramAsItIs()
    {
        var sample = File.ReadAllText(Path.Combine(Repository.Root, "samples", "TrainDae", "Program.cs")).ReplaceLineEndings("\n");
        foreach (var readme in new[] { "README.md", "src/PackageReadme.md" })
        {
            var text = File.ReadAllText(Path.Combine(Repository.Root, readme)).ReplaceLineEndings("\n");
            Assert.True(text.Contains("```csharp\n" + sample + "```\n", StringComparison.Ordinal),
                $"{readme} does not show samples/TrainDae/Program.cs as it is, in a ```csharp block");
        }
    }

    private void TheToolWorks(TempDirectory dir, string feed, Dictionary<string, string?> environment, string version)
    {
        // The tool needs nothing but the feed: a config with that source alone keeps the install off the network.
        var config = WriteNuGetConfig(dir.File("tool-config"), feed, clear: true);
        var tools = dir.File("tools");
        Succeeds(Dotnet(environment, dir.Path, "tool", "install", "--tool-path", tools, "--configfile", config, "ILGPUAE.Tool", "--version", version));
        var ilgpuae = Path.Combine(tools, OperatingSystem.IsWindows() ? "ilgpuae.exe" : "ilgpuae");

        var shown = Succeeds(Run(environment, dir.Path, ilgpuae, "--version"));
        var head = Repository.Head();
        Assert.Equal(head is null ? $"ilgpuae {version}" : $"ilgpuae {version}+{head}", shown.Stdout.Trim());

        var devices = Succeeds(Run(environment, dir.Path, ilgpuae, "devices"));
        Assert.Contains(devices.Stdout.Split('\n'), line => line.StartsWith("host ", StringComparison.Ordinal) && line.TrimEnd().EndsWith("yes", StringComparison.Ordinal));

        // A run writes its model, metrics and curves.png (SkiaSharp's natives, from the package) and equals the same run of the
        // CLI built here.
        string[] train = ["train", "dae", "--epochs", "1", "--train-limit", "200", "--test-limit", "500", "--hidden", "20", "--accelerator", "host"];
        var installedRun = dir.File("tool-run");
        Succeeds(Run(environment, dir.Path, ilgpuae, [.. train, "--out", installedRun]));
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFiles(installedRun).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(TrainingCurves.Size(1), PngFile.Size(Path.Combine(installedRun, "curves.png")));
        var builtRun = dir.File("built-run");
        Succeeds(CliProcess.Run([.. train, "--out", builtRun]));
        SameModel(Path.Combine(builtRun, "model.safetensors"), Path.Combine(installedRun, "model.safetensors"), [20, 784]);

        // The installed tool exports the encoder to ONNX (OnnxSharp and Google.Protobuf, from the package): the same bytes as the
        // CLI built here writes for the same model.
        Succeeds(Run(environment, dir.Path, ilgpuae, "export", "onnx", "--model", installedRun, "--out", dir.File("tool.onnx")));
        Succeeds(CliProcess.Run("export", "onnx", "--model", installedRun, "--out", dir.File("built.onnx")));
        Assert.True(File.ReadAllBytes(dir.File("tool.onnx")).AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("built.onnx"))),
            "the installed tool's encoder.onnx differs from the one the CLI built here writes");
    }

    private void TheLibraryWorks(TempDirectory dir, string feed, Dictionary<string, string?> environment, string version)
    {
        // A console project in a clean directory under the system temp folder (no Directory.Build.props above it), with the feed
        // beside the sources the machine is configured with (the library's dependencies come from the registry).
        var project = Directory.CreateDirectory(dir.File("consumer")).FullName;
        WriteNuGetConfig(Path.Combine(project, "nuget.config"), feed, clear: false);
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ILGPUAE" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Path.Combine(Repository.Root, "samples", "TrainDae", "Program.cs"), Path.Combine(project, "Program.cs"));
        Succeeds(Dotnet(environment, project, "build", "-c", "Release", "-p:UseSharedCompilation=false"));

        var consumerOut = dir.File("consumer-run");
        var consumer = Succeeds(Dotnet(environment, project, Path.Combine(project, "bin", "Release", "net10.0", "Consumer.dll"), consumerOut, "200"));
        Assert.Contains("test loss", consumer.Stdout);
        var sampleOut = dir.File("sample-run");
        Succeeds(Dotnet(environment, dir.Path, Path.Combine(AppContext.BaseDirectory, "TrainDae.dll"), sampleOut, "200"));
        SameModel(Path.Combine(sampleOut, "model.safetensors"), Path.Combine(consumerOut, "model.safetensors"), [100, 784]);
    }

    /// <summary>The model <paramref name="actual"/> holds the same tensors, bit for bit, as <paramref name="expected"/>, W of <paramref name="shape"/>.</summary>
    private static void SameModel(string expected, string actual, int[] shape)
    {
        var (reference, model) = (SpecSafeTensors.Read(expected), SpecSafeTensors.Read(actual));
        Assert.Equal(shape, model.Tensors["W"].Shape);
        Assert.Equal(reference.Tensors.Keys.Order(StringComparer.Ordinal), model.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (tensorShape, data)) in reference.Tensors)
        {
            Assert.Equal(tensorShape, model.Tensors[name].Shape);
            Assert.True(data.AsSpan().SequenceEqual(model.Tensors[name].Data), $"{name} of {actual} differs from {expected}");
        }
    }

    private static string WriteNuGetConfig(string path, string feed, bool clear)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                {(clear ? "<clear />" : "")}
                <add key="ilgpuae-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        return path;
    }

    private static CliResult Dotnet(Dictionary<string, string?> environment, string workingDirectory, params string[] args) =>
        Run(environment, workingDirectory, "dotnet", args);

    private static CliResult Run(Dictionary<string, string?> environment, string workingDirectory, string program, params string[] args)
    {
        var start = CliProcess.StartInfo(program, environment, args);
        start.WorkingDirectory = workingDirectory;
        return CliProcess.Run(start, Limit);
    }

    private static CliResult Succeeds(CliResult result)
    {
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', result.Args)} exited {result.ExitCode}\n--- stderr:\n{result.Stderr}\n--- stdout:\n{result.Stdout}");
        return result;
    }
}
