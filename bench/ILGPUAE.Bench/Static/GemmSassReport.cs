namespace ILGPUAE.Bench.Static;

using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPUAE.MatVec;

/// <summary>
/// What the shared-memory GEMM kernels compile to on a GPU, without one: ILGPU's PTX for sm_90 (as the launcher
/// loads each kernel, with its launch bounds), then, where NVIDIA's ptxas and cuobjdump are on the PATH (the CUDA
/// toolkit; on Debian, nvidia-cuda-toolkit from non-free), registers, spills and the instructions of one K-step: those
/// from the kernel's first group barrier (after the first step's staging) to its second (the step loop's). A step that is mostly FFMA is the
/// precondition for cuBLAS-like speed, not a measurement of it: W4 on the GPU machine is that.
/// </summary>
public static class GemmSassReport
{
    private sealed record Kernel(string Name, MethodInfo Method, KernelSpecialization Bounds, int FusedMultiplyAddsPerStep);

    /// <summary>`sass [--out DIR]`: writes DIR/*.ptx (and .cubin, .sass with the tools) and prints a Markdown table.</summary>
    public static int Run(string[] args)
    {
        var folder = args is ["--out", var dir, ..] ? dir : Path.Combine(Path.GetTempPath(), "ilgpuae-sass");
        Directory.CreateDirectory(folder);
        var ptxas = FindTool("ptxas");
        var cuobjdump = FindTool("cuobjdump");

        using var context = Context.Create(builder => builder.CPU());
        // ISA 7.8 is the newest CUDA 11.8's ptxas reads; sm_90 is the H100's and H200's.
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_78, nvvmAPI: null);
        var report = new StringBuilder();
        report.AppendLine($"PTX from ILGPU {typeof(Context).Assembly.GetName().Version} for sm_90 (ISA 7.8), in {folder}; " +
            (ptxas is null || cuobjdump is null
                ? "no ptxas/cuobjdump on the PATH, so no SASS figures."
                : $"SASS from {Version(ptxas)}."));
        report.AppendLine();
        report.AppendLine("| kernel | registers | spill bytes | shared bytes | instructions per 8-deep step | FFMA | FFMA share | 16-byte shared reads |");
        report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var kernel in Kernels())
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
            var ptx = ((PTXCompiledKernel)backend.Compile(entry, kernel.Bounds)).PTXAssembly;
            var ptxPath = Path.Combine(folder, $"{kernel.Name}.ptx");
            File.WriteAllText(ptxPath, ptx);
            var vectorReads = Regex.Matches(ptx, @"ld\.shared\.v4\.f32").Count;
            if (ptxas is null || cuobjdump is null)
            {
                report.AppendLine($"| {kernel.Name} | — | — | — | — | — | — | {vectorReads} |");
                continue;
            }
            var cubin = Path.ChangeExtension(ptxPath, ".cubin");
            var info = Execute(ptxas, $"-arch=sm_90 -v -o \"{cubin}\" \"{ptxPath}\"");
            var sass = Execute(cuobjdump, $"-sass \"{cubin}\"");
            File.WriteAllText(Path.ChangeExtension(ptxPath, ".sass"), sass);
            var step = StepInstructions(sass);
            var ffma = step.Count(i => i.StartsWith("FFMA", StringComparison.Ordinal));
            if (ffma != kernel.FusedMultiplyAddsPerStep)
                throw new InvalidOperationException(
                    $"{kernel.Name}: {ffma} FFMA between the first and last barrier, expected {kernel.FusedMultiplyAddsPerStep} (one step's); the bracket is not the step loop");
            report.AppendLine($"| {kernel.Name} | {Match(info, @"Used (\d+) registers")} | {Match(info, @"(\d+) bytes spill stores")} | " +
                $"{Match(info, @"registers, (\d+) bytes smem")} | {step.Count} | {ffma} | {100.0 * ffma / step.Count:F0} % | {vectorReads} |");
        }
        Console.Write(report.ToString());
        return 0;
    }

    /// <summary>Each tiled shape as the launcher loads it (no epilogue), split-K's first pass, and split-K in one launch.</summary>
    private static IEnumerable<Kernel> Kernels()
    {
        var tiled = typeof(GemmTiledKernels).GetMethod(nameof(GemmTiledKernels.Tiled))!;
        yield return Tiled<GemmTile128x128>("Tiled128x128");
        yield return Tiled<GemmTile128x64>("Tiled128x64");
        yield return Tiled<GemmTile64x64>("Tiled64x64");
        yield return Tiled<GemmTile32x32>("Tiled32x32");
        yield return new Kernel("TiledSplitK32x32", typeof(GemmTiledKernels).GetMethod(nameof(GemmTiledKernels.TiledSplitK))!.MakeGenericMethod(typeof(GemmTile32x32)),
            GemmPolicy.LaunchBounds<GemmTile32x32>(), FusedMultiplyAdds<GemmTile32x32>());
        yield return new Kernel("TiledSplitKOnePass32x32", typeof(GemmTiledKernels).GetMethod(nameof(GemmTiledKernels.TiledSplitKOnePass))!
            .MakeGenericMethod(typeof(GemmTile32x32), typeof(NoEpilogue)), GemmPolicy.LaunchBounds<GemmTile32x32>(), FusedMultiplyAdds<GemmTile32x32>());

        Kernel Tiled<TShape>(string name) where TShape : struct, IGemmTileShape =>
            new(name, tiled.MakeGenericMethod(typeof(TShape), typeof(NoEpilogue)), GemmPolicy.LaunchBounds<TShape>(), FusedMultiplyAdds<TShape>());
    }

    /// <summary>One step's multiply-adds per thread: its micro-tile times the step's depth.</summary>
    private static int FusedMultiplyAdds<TShape>() where TShape : struct, IGemmTileShape =>
        default(TShape).MicroRows * default(TShape).MicroCols * GemmTiledKernels.Depth;

    /// <summary>
    /// The opcodes from the first BAR.SYNC to the second, both included: the step loop, whose one barrier ends each step
    /// (the one-pass split-K has two more after it, for handing its block to the last group).
    /// </summary>
    private static List<string> StepInstructions(string sass)
    {
        var opcodes = new List<string>();
        foreach (Match m in Regex.Matches(sass, @"/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P[0-9T]\s+)?([A-Z][A-Z0-9_.]*)"))
            opcodes.Add(m.Groups[1].Value);
        var first = opcodes.FindIndex(o => o.StartsWith("BAR.SYNC", StringComparison.Ordinal));
        var second = first < 0 ? -1 : opcodes.FindIndex(first + 1, o => o.StartsWith("BAR.SYNC", StringComparison.Ordinal));
        if (second < 0)
            throw new InvalidOperationException("the SASS has fewer than two BAR.SYNC: not a tiled GEMM kernel");
        return opcodes.GetRange(first, second - first + 1);
    }

    private static string Match(string text, string pattern) =>
        Regex.Match(text, pattern) is { Success: true } m ? m.Groups[1].Value : "?";

    private static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string Version(string ptxas) =>
        Regex.Match(Execute(ptxas, "--version"), @"release [0-9.]+, V[0-9.]+") is { Success: true } m ? $"ptxas {m.Value}" : "ptxas";

    /// <summary>Runs a tool and returns its stdout and stderr; a non-zero exit throws with what it printed.</summary>
    private static string Execute(string tool, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"could not start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {arguments} exited with {process.ExitCode}: {stderr.Result}");
        return stdout + stderr.Result;
    }
}
