namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.MatVec;
using ILGPUAE.Random;

/// <summary>Views (<see cref="Tensor{T}.Slice"/>) work as operands: kernels read and write only the rows they cover.</summary>
[Collection(HostCollection.Name)]
public sealed class HostViewTests(HostFixture fixture)
{
    private const float Sentinel = 42f;

    [Theory]
    [InlineData(7)] // blocked GEMM
    [InlineData(1)] // M = 1 path
    public void GemmOnViewsMatchesTheReference(int m)
    {
        var backend = fixture.Backend;
        const int k = 33, n = 31;
        // a = rows [3, 3+m) of a [20, 33] tensor; b = rows [10, 41) of a [50, 33] tensor, used transposed.
        using var aStorage = Random(backend, 20, k, 1);
        using var bStorage = Random(backend, 50, k, 2);
        using var cStorage = Filled(backend, 12, n, Sentinel);
        using var a = aStorage.Slice(3, m);
        using var b = bStorage.Slice(10, n);
        using var c = cStorage.Slice(2, m);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, a, b, 0f, c);

        var expected = new double[m * n];
        GemmReference.Gemm(Transpose.None, Transpose.Transposed, m, n, k, 1, ToDouble(a), ToDouble(b), 0, expected);
        var actual = c.ToArray();
        for (var i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * k, $"c[{i}] = {actual[i]}, expected {expected[i]}");
        AssertUntouchedOutside(cStorage, 2, m);
    }

    [Fact]
    public void EpiloguesOnViewsStayInside()
    {
        var backend = fixture.Backend;
        const int n = 37;
        using var storage = Filled(backend, 10, n, Sentinel);
        using var rows = storage.Slice(4, 3);
        using var biases = Random(backend, 3, n, 3);
        using var biasRow = biases.Slice(1, 1);
        // c = 0·b + 1·c + bias: the bias epilogue alone, on a view of rows 4 … 6 with a bias taken from a row of a matrix.
        using var zeros = backend.Allocate<float>(3, 2);
        using var b = backend.Allocate<float>(2, n);
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, zeros, b, 1f, rows,
            new GemmEpilogue(GemmEpilogueKind.BiasActivate, Backend.Activation.Identity, biasRow));
        var expectedRow = biasRow.ToArray().Select(v => Sentinel + v).ToArray();
        var actual = rows.ToArray();
        for (var i = 0; i < actual.Length; i++)
            Assert.Equal(expectedRow[i % n], actual[i]);
        AssertUntouchedOutside(storage, 4, 3);
    }

    private static void AssertUntouchedOutside(Tensor<float> storage, int start, int count)
    {
        var values = storage.ToArray();
        var n = storage.RowLength;
        for (var i = 0; i < values.Length; i++)
            if (i / n < start || i / n >= start + count)
                Assert.Equal(Sentinel, values[i]);
    }

    private static double[] ToDouble(Tensor<float> t) => Array.ConvertAll(t.ToArray(), v => (double)v);

    private static Tensor<float> Random(HostBackend backend, int rows, int columns, uint stream)
    {
        var t = backend.Allocate<float>(rows, columns);
        t.CopyFrom(Enumerable.Range(0, rows * columns).Select(i => (float)CounterRng.Uniform(5, (uint)RngStream.Data, stream, (uint)i, 0) - 0.5f).ToArray());
        return t;
    }

    private static Tensor<float> Filled(HostBackend backend, int rows, int columns, float value)
    {
        var t = backend.Allocate<float>(rows, columns);
        t.CopyFrom(Enumerable.Repeat(value, rows * columns).ToArray());
        return t;
    }
}
