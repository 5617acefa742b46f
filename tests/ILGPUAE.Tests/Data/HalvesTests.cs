namespace ILGPUAE.Tests.Data;

using System.Security.Cryptography;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;

/// <summary>The ANAMO comparison's synthetic set: its spec, and its bytes fixed for a seed.</summary>
public sealed class HalvesTests
{
    /// <summary>SHA-256 of the train pixels then the test pixels (little-endian floats) for seed 42, as this generator first made them.</summary>
    private const string GoldenSha256 = "0ad54164af0feaa10578fbad85d5aea4d12304512a9dbf81c1e633bc4721a922";

    private static string Sha256(DatasetSplits splits)
    {
        float[] all = [.. splits.TrainAndValidation.Pixels, .. splits.Test.Pixels];
        return Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(all.AsSpan())));
    }

    [Fact]
    public void TheDefaultSeedMakesTheSameBytesAsBefore()
    {
        var splits = Datasets.Load(DatasetKind.Halves, null, null);
        Assert.Equal(GoldenSha256, Sha256(splits));
        Assert.Equal(Sha256(splits), Sha256(Halves.Load(Datasets.Info(DatasetKind.Halves), Halves.DefaultSeed)));
        Assert.NotEqual(Sha256(splits), Sha256(Halves.Load(Datasets.Info(DatasetKind.Halves), 43)));
    }

    [Fact]
    public void ImagesFollowTheSpec()
    {
        var splits = Datasets.Load(DatasetKind.Halves, null, null);
        Assert.Equal((100, 0, 10), (splits.TrainAndValidation.Count, splits.ValidationCount, splits.Test.Count));
        Assert.Equal(new ImageShape(1, 10, 10), splits.Info.Shape);
        foreach (var set in new[] { splits.TrainAndValidation, splits.Test })
        {
            var left = new List<float>();
            var right = new List<float>();
            for (var k = 0; k < set.Pixels.Length; k++)
                (k % 10 < 5 ? left : right).Add(set.Pixels[k]);
            Assert.All(left, v => Assert.InRange(v, 0.6f, 1.0f));
            Assert.All(right, v => Assert.InRange(v, 0.0f, 0.4f));
            // Uniform draws: the means sit near the intervals' midpoints (n ≥ 500: standard error ≈ 0.005).
            Assert.InRange(left.Average(), 0.77, 0.83);
            Assert.InRange(right.Average(), 0.17, 0.23);
        }
        // Test images are not copies of training images.
        Assert.NotEqual(splits.TrainAndValidation.Pixels[..100], splits.Test.Pixels[..100]);
    }
}
