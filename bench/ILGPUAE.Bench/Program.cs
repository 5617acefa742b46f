using ILGPUAE.Bench.Static;
using ILGPUAE.Bench.Workloads;

// `workloads …` runs W1–W5 against the peers and writes bench/RESULTS.md; `report` re-renders it from
// bench/results/*.json; `sass` reports what the GPU GEMM kernels compile to; anything else goes to
// BenchmarkDotNet's switcher (the kernel benches).
return args switch
{
    ["workloads", .. var rest] => WorkloadHarness.Run(rest),
    ["report", .. var rest] => Report(rest),
    ["sass", .. var rest] => GemmSassReport.Run(rest),
    _ => Switch(args),
};

static int Report(string[] args)
{
    WorkloadHarness.Render(args.Length > 0 ? args[0] : "bench", Console.WriteLine);
    return 0;
}

#if WORKLOADS_ONLY
static int Switch(string[] args)
{
    Console.Error.WriteLine("this build has only `workloads` and `report`: the kernel benches were left out (-p:WorkloadsOnly=true)");
    return 2;
}
#else
static int Switch(string[] args)
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
#endif
