namespace ILGPUAE.Activation;

/// <summary>
/// The activation functions kernels apply. Activations run inside other kernels, not as launches of their own: GEMM
/// epilogues and the SampleSgd family on ILGPU backends, and the host provider.
/// </summary>
public static class ActivationKernels
{
    public static float Sigmoid(float a) => 1f / (1f + MathF.Exp(-a));
}
