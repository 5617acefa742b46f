namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Tests.Host;

/// <summary>
/// The host provider's optimizer jobs run each rule 16 lanes at a time and the tail element by element; both must give the
/// bits of the scalar per-element arithmetic the ILGPU kernel runs (<see cref="RuleCase.Scalar"/>), at every step of the fixed
/// sequence, at lengths with no full vector (1, 15), a vector and a tail (17, 33) and many vectors with a tail (1000).
/// </summary>
public abstract class HostOptimizerBitsTests(IBackend backend)
{
    public static TheoryData<string, int> CasesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var c in RuleCases.All)
            foreach (var n in new[] { 1, 15, 17, 33, 1000 })
                data.Add(c.Name, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndSizes))]
    public void JobGivesTheScalarArithmeticsBits(string name, int n)
    {
        var rule = RuleCases.Named(name);
        var grads = RuleCases.Gradients(n);
        var param = Array.ConvertAll(RuleCases.InitialParameters(n), v => (float)v);
        var state = Enumerable.Range(0, rule.StateCount).Select(_ => new float[n]).ToArray();
        using var tp = backend.Allocate<float>(n);
        using var tg = backend.Allocate<float>(n);
        tp.CopyFrom(param);
        var tstate = Enumerable.Range(0, rule.StateCount).Select(_ => backend.Allocate<float>(n)).ToArray();
        try
        {
            for (var t = 1; t <= grads.Length; t++)
            {
                var g = Array.ConvertAll(grads[t - 1], v => (float)v);
                tg.CopyFrom(g);
                rule.Kernel(backend, tp, tg, tstate, t);
                rule.Scalar(param, g, state, t);
                AssertSameBits(param, tp.ToArray(), $"{name} N={n} step {t} param");
                for (var k = 0; k < tstate.Length; k++)
                    AssertSameBits(state[k], tstate[k].ToArray(), $"{name} N={n} step {t} state {k}");
            }
        }
        finally
        {
            foreach (var s in tstate)
                s.Dispose();
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
    }
}

[Collection(HostCollection.Name)]
public sealed class HostSimdOptimizerBitsTests(HostFixture fixture) : HostOptimizerBitsTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPortableOptimizerBitsTests(HostFixture fixture) : HostOptimizerBitsTests(fixture.Portable);
