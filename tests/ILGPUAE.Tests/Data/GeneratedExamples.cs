namespace ILGPUAE.Tests.Data;

using System.Security.Cryptography;
using ILGPUAE.Data.Variations;

/// <summary>Examples of a generated set made for tests: a range of one split, sequentially or in parallel, and their SHA-256.</summary>
public static class GeneratedExamples
{
    public const int Pixels = 28 * 28;

    /// <summary>Examples [0, count) of <paramref name="split"/>: pixels [count, Side·Side] and labels [count].</summary>
    public static (float[] Pixels, byte[] Labels) Make(IVariationGenerator generator, ulong seed, VariationSplit split, int count,
        VariationSources? sources = null, bool parallel = false)
    {
        sources ??= new VariationSources();
        var size = generator.Side * generator.Side;
        var pixels = new float[count * size];
        var labels = new byte[count];
        if (parallel)
        {
            // Last index first, on many threads: nothing may depend on the order examples are made in.
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, j =>
            {
                var i = count - 1 - j;
                labels[i] = generator.Example(seed, split, i, sources, pixels.AsSpan(i * size, size));
            });
        }
        else
        {
            for (var i = 0; i < count; i++)
                labels[i] = generator.Example(seed, split, i, sources, pixels.AsSpan(i * size, size));
        }
        return (pixels, labels);
    }

    /// <summary>SHA-256 of the examples' pixels as little-endian float32 bytes, then their labels, in hex.</summary>
    public static string Sha256(float[] pixels, byte[] labels)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var bytes = new byte[pixels.Length * sizeof(float)];
        for (var i = 0; i < pixels.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), pixels[i]);
        hash.AppendData(bytes);
        hash.AppendData(labels);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of examples [0, count) of each split, as pinned by the byte-stability tests.</summary>
    public static string[] SplitHashes(IVariationGenerator generator, ulong seed, int count, VariationSources? sources = null) =>
        [.. Enum.GetValues<VariationSplit>().Select(split =>
        {
            var (pixels, labels) = Make(generator, seed, split, count, sources);
            return Sha256(pixels, labels);
        })];
}
