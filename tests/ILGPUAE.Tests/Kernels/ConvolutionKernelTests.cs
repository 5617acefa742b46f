namespace ILGPUAE.Tests.Kernels;

using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Convolution;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Modules;

/// <summary>
/// The 3×3 convolution (<see cref="IConv2d"/>): the reference's input and parameter gradients against central finite differences in
/// double (through a sigmoid below and a tanh on top, so both fused derivatives are covered), a wrong gradient shown to fail that
/// comparison, and each backend's kernels against the reference at the awkward convolutions and widths of
/// <see cref="KernelChecks.Convolutions"/>.
/// </summary>
public abstract class ConvolutionKernelTests(IBackend backend)
{
    // Two images of 2 channels, 4×5, into 3 channels; L = Σ c ⊙ tanh(σ(u) ⊛ W + bias).
    private const int Batch = 2;
    private static readonly Conv2dGeometry G = new(2, 3, 4, 5);

    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheKernelsMatchTheReference(int s)
    {
        var results = new KernelChecks(backend).Convolutions([s]).ToList();

        Assert.Equal(3 * (KernelChecks.CheckedConvolutions.Length + 1), results.Count);
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The reference's ∂L/∂u, ∂L/∂W and ∂L/∂bias within 1e-6 relative of central differences (step 1e-5) in double.</summary>
    [Fact]
    public void TheReferenceGradientsMatchFiniteDifferences()
    {
        var p = Problem();

        var error = MaxRelativeError(p, Gradient(p, Activation.Sigmoid));

        Assert.True(error < 1e-6, $"max relative error {error:E2}");
    }

    /// <summary>The comparison can fail: an input gradient without the sigmoid's derivative below is far off the differences.</summary>
    [Fact]
    public void AWrongGradientFailsTheComparison()
    {
        var p = Problem();

        Assert.True(MaxRelativeError(p, Gradient(p, Activation.Identity)) > 1e-2);
    }

    [Fact]
    public void ShapesThatDoNotAgreeAreRefusedWithThem()
    {
        using var x = backend.Allocate<float>(Batch, G.Inputs);
        using var y = backend.Allocate<float>(Batch, G.Outputs);
        using var flat = backend.Allocate<float>(G.OutChannels, G.InChannels * 9);
        using var bias = backend.Allocate<float>(G.OutChannels);

        var e = Assert.Throws<ArgumentException>(() => backend.Conv2d.Forward(G, x, flat, bias, Activation.Relu, y));
        Assert.Contains("[3, 2, 3, 3]", e.Message);
        using var weights = backend.Allocate<float>(G.OutChannels, G.InChannels, 3, 3);
        e = Assert.Throws<ArgumentException>(() => backend.Conv2d.Forward(G with { Width = 4 }, x, weights, bias, Activation.Relu, y));
        Assert.Contains($"[{Batch}, {G.Inputs}]", e.Message);
    }

    private sealed record Layer(double[] U, double[] W, double[] Bias, double[] C);

    private static Layer Problem()
    {
        double[] Draw(uint stream, int n, double scale) =>
            [.. Enumerable.Range(0, n).Select(i => scale * (2 * CounterRng.Uniform(15, stream, (uint)i, 0, 0) - 1))];
        return new(Draw(1, Batch * G.Inputs, 2), Draw(2, G.WeightLength, 0.5), Draw(3, G.OutChannels, 0.5), Draw(4, Batch * G.Outputs, 1));
    }

    private static double[] Sigmoid(double[] u) => [.. u.Select(v => 1 / (1 + Math.Exp(-v)))];

    private static double Objective(Layer p)
    {
        var y = Conv2dReference.Forward(G, Batch, Sigmoid(p.U), p.W, p.Bias, Activation.Tanh);
        return y.Select((v, i) => p.C[i] * v).Sum();
    }

    /// <summary>(∂/∂u, ∂/∂W, ∂/∂bias) from the reference: δ = c·(1 − y²) on top, the input gradient through <paramref name="below"/>'s derivative.</summary>
    private static (double[] U, double[] W, double[] Bias) Gradient(Layer p, Activation below)
    {
        var x = Sigmoid(p.U);
        var y = Conv2dReference.Forward(G, Batch, x, p.W, p.Bias, Activation.Tanh);
        var delta = y.Select((v, i) => p.C[i] * (1 - v * v)).ToArray();
        var du = Conv2dReference.InputGradient(G, Batch, delta, p.W, x, below);
        var (dw, db) = Conv2dReference.ParameterGradients(G, Batch, delta, x, new double[G.WeightLength], 0, new double[G.OutChannels], 0);
        return (du, dw, db);
    }

    /// <summary>The largest |analytic − central difference| / max(|difference|, 1e-3) over every entry of u, W and bias.</summary>
    private static double MaxRelativeError(Layer p, (double[] U, double[] W, double[] Bias) gradient)
        => GradientCheck.MaxRelativeError([(p.U, gradient.U), (p.W, gradient.W), (p.Bias, gradient.Bias)], () => Objective(p));
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorConvolutionKernelTests(CpuAcceleratorFixture fixture) : ConvolutionKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostConvolutionKernelTests(HostFixture fixture) : ConvolutionKernelTests(fixture.Backend);

/// <summary>The portable host backend on three threads: batches of 3 images split three ways.</summary>
[Collection(HostCollection.Name)]
public sealed class PortableHostConvolutionKernelTests(HostFixture fixture) : ConvolutionKernelTests(fixture.Portable);

/// <summary>
/// The direct convolution kernels compile for CUDA and OpenCL (no device needed), with <see cref="ImagePosition"/>'s decode
/// inlined: no call left in the PTX, and nothing in local memory.
/// </summary>
public sealed class Conv2dKernelCompileTests
{
    [Theory]
    [InlineData(nameof(Conv2dKernels.Forward))]
    [InlineData(nameof(Conv2dKernels.InputGradient))]
    public void TheKernelCompilesForCudaAndOpenClWithTheDecodeInlined(string name)
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var kernel = typeof(Conv2dKernels).GetMethod(name)!.MakeGenericMethod(typeof(Sigmoid));
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var cuda = ((PTXCompiledKernel)DeviceCompilers.Ptx(context).Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
        Assert.DoesNotContain("call", cuda);
        Assert.DoesNotContain(".local", cuda);
        var openCl = ((CLCompiledKernel)DeviceCompilers.OpenCl(context).Compile(entry, KernelSpecialization.Empty)).Source;
        Assert.Contains("kernel", openCl);
    }
}
