namespace ILGPUAE.Activation;

using System.Runtime.Intrinsics;

/// <summary>
/// The activation functions kernels apply. Activations run inside other kernels, not as launches of their own: GEMM
/// epilogues and the SampleSgd family on ILGPU backends, and the host provider. Each is a struct (<see cref="IActivation"/>)
/// that kernels are generic over; <see cref="Sigmoid(float)"/> stays a plain method too, for the SampleSgd kernels, which
/// are sigmoid-only.
/// </summary>
public static class ActivationKernels
{
    public static float Sigmoid(float a) => 1f / (1f + MathF.Exp(-a));
}

/// <summary>act(a) = a, act′ = 1.</summary>
public readonly struct Identity : IActivation
{
    public Backend.Activation Kind => Backend.Activation.Identity;

    public float Apply(float a) => a;

    public float DerivativeFromOutput(float y) => 1f;

    public float Backward(float gradient, float y) => gradient;

    public Vector512<float> Apply(Vector512<float> a) => a;

    public Vector512<float> Backward(Vector512<float> gradient, Vector512<float> y) => gradient;

    public double ApplyReference(double a) => a;

    public double DerivativeFromOutputReference(double y) => 1.0;
}

/// <summary>act(a) = 1 / (1 + e^−a), act′ = y(1 − y).</summary>
public readonly struct Sigmoid : IActivation
{
    public Backend.Activation Kind => Backend.Activation.Sigmoid;

    public float Apply(float a) => ActivationKernels.Sigmoid(a);

    public float DerivativeFromOutput(float y) => y * (1f - y);

    /// <summary>gradient·y·(1 − y), left to right: the order every sigmoid backward pass used before this struct, kept so results stay bit for bit.</summary>
    public float Backward(float gradient, float y) => gradient * y * (1f - y);

    public Vector512<float> Apply(Vector512<float> a) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-a));

    public Vector512<float> Backward(Vector512<float> gradient, Vector512<float> y) => gradient * y * (Vector512<float>.One - y);

    public double ApplyReference(double a) => 1.0 / (1.0 + Math.Exp(-a));

    public double DerivativeFromOutputReference(double y) => y * (1.0 - y);
}

/// <summary>
/// act(a) = tanh a, act′ = 1 − y². Not MathF.Tanh: ILGPU lowers that to PTX's tanh.approx.f32 from sm_75 on, whose
/// relative error (2⁻¹¹) the checks' 10⁻⁴ would refuse. Instead, for |a| ≥ 1/8, (1 − e)/(1 + e) with e = e^−2|a| (never
/// overflows; e underflows to 0 past |a| ≈ 52, giving ±1), and below, where 1 − e would cancel, the odd series
/// a − a³/3 + 2a⁵/15 − 17a⁷/315 (its first omitted term is 62a⁹/2835, under 2·10⁻⁹ of a).
/// </summary>
public readonly struct Tanh : IActivation
{
    private const float SeriesBelow = 0.125f;
    private const float C3 = -1f / 3f;
    private const float C5 = 2f / 15f;
    private const float C7 = -17f / 315f;

    public Backend.Activation Kind => Backend.Activation.Tanh;

    public float Apply(float a)
    {
        var x = MathF.Abs(a);
        if (x < SeriesBelow)
        {
            var t = a * a;
            return a + a * t * (C3 + t * (C5 + t * C7));
        }
        var e = MathF.Exp(-2f * x);
        var r = (1f - e) / (1f + e);
        // NaN fails both tests and stays NaN.
        return a < 0f ? -r : r;
    }

    public float DerivativeFromOutput(float y) => 1f - y * y;

    public float Backward(float gradient, float y) => gradient * (1f - y * y);

    public Vector512<float> Apply(Vector512<float> a)
    {
        var x = Vector512.Abs(a);
        var t = a * a;
        var series = a + a * t * (Vector512.Create(C3) + t * (Vector512.Create(C5) + t * Vector512.Create(C7)));
        var e = Vector512.Exp(Vector512.Create(-2f) * x);
        var r = Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), a);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(SeriesBelow)), series, r);
    }

    public Vector512<float> Backward(Vector512<float> gradient, Vector512<float> y) => gradient * (Vector512<float>.One - y * y);

    public double ApplyReference(double a) => Math.Tanh(a);

    public double DerivativeFromOutputReference(double y) => 1.0 - y * y;
}

/// <summary>
/// act(a) = max(a, 0), act′ = 1 where y &gt; 0, else 0 (0 at the kink, as PyTorch takes it). A NaN input stays NaN
/// (a &lt; 0 is false), so a diverging run is still caught; the backward pass selects rather than multiplies, so a
/// gradient where y = 0 gives 0 whatever it is, as PyTorch's threshold_backward does.
/// </summary>
public readonly struct Relu : IActivation
{
    public Backend.Activation Kind => Backend.Activation.Relu;

    public float Apply(float a) => a < 0f ? 0f : a;

    public float DerivativeFromOutput(float y) => y > 0f ? 1f : 0f;

    public float Backward(float gradient, float y) => y > 0f ? gradient : 0f;

    public Vector512<float> Apply(Vector512<float> a) => Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<float>.Zero), Vector512<float>.Zero, a);

    public Vector512<float> Backward(Vector512<float> gradient, Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), gradient, Vector512<float>.Zero);

    public double ApplyReference(double a) => a < 0 ? 0 : a;

    public double DerivativeFromOutputReference(double y) => y > 0 ? 1 : 0;
}
