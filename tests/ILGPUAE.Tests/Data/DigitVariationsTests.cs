namespace ILGPUAE.Tests.Data;

using System.Security.Cryptography;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;

/// <summary>
/// The digit variations (basic, rot, bg-rand, bg-img, bg-img-rot) on synthetic sources: byte-stable for a seed (pinned sums, each
/// cross-checked by a property computed independently of the generator), independent of the order and threads that make them,
/// the split sizes of Larochelle et al., rotation against hand-computed bilinear values, and the patch contrast threshold.
/// </summary>
public class DigitVariationsTests
{
    private const ulong Seed = 42;
    private const int Examples = 6;

    private static readonly VariationSources Sources = VariationSourcesForTests.Sources;

    public static TheoryData<string, string> Pinned => new()
    {
        // SHA-256 of the stored bytes (images then labels) of examples 0–5 of train, valid and test, seed 42, synthetic sources:
        // computed once from the generators as first written, whose outputs the property tests below check independently
        // (basic: the digit; rot: the hand-checked rotation by the first draw; bg-rand: ≥ the digit, uniform; bg-img*: max(digit, patch)).
        { "basic", "35f1aac7f6c32b354be3ed8d3ba42827cedcff307a710eebdc297558d1de5124" },
        { "rot", "c2fdee7186abcd5578d09acadd1d5cc4edbcdfacb55577f6accb80ecb9057268" },
        { "bg-rand", "351ca60fa5e9e74b0fe4034a599151bd1ad52d2d5997f723ab71e9e9ccb679db" },
        { "bg-img", "e949126103daa3a279a051f5a9d9564f15cfea00d191ec841a0e58650ae50448" },
        { "bg-img-rot", "8ae8c2cd31de88d2257eb6fc1ad997ea201286506f5fe54905d67e7ce29fab1c" },
    };

    private static IVariationGenerator Generator(string name) => VariationGenerators.All.Single(g => g.Generator.Name == name).Generator;

    /// <summary>Examples 0–5 of every split, stored bytes: images then labels, split after split.</summary>
    private static byte[] StoredBytes(IVariationGenerator generator, ulong seed, bool parallel = true)
    {
        var bytes = new List<byte>();
        foreach (var split in Enum.GetValues<VariationSplit>())
        {
            var (images, labels) = GeneratedSets.Generate(generator, seed, split, Examples, Sources, parallel);
            bytes.AddRange(images);
            bytes.AddRange(labels);
        }
        return [.. bytes];
    }

    [Theory]
    [MemberData(nameof(Pinned))]
    public void EachGeneratorMakesThePinnedBytesForItsSeedAndOthersForAnotherSeed(string name, string sha256)
    {
        var generator = Generator(name);
        var bytes = StoredBytes(generator, Seed);

        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(bytes, StoredBytes(generator, Seed));
        // basic draws nothing: the digits unchanged whatever the seed. Every other set differs for another seed.
        if (name == "basic")
            Assert.Equal(bytes, StoredBytes(generator, Seed + 1));
        else
            Assert.NotEqual(bytes, StoredBytes(generator, Seed + 1));
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("rot")]
    [InlineData("bg-rand")]
    [InlineData("bg-img")]
    [InlineData("bg-img-rot")]
    public void ExamplesAreTheSameWhateverOrderOrThreadsMakeThem(string name)
    {
        var generator = Generator(name);
        var split = VariationSplit.Test;
        var parallel = GeneratedSets.Generate(generator, Seed, split, VariationSourcesForTests.PerSplit, Sources, parallel: true);
        var sequential = GeneratedSets.Generate(generator, Seed, split, VariationSourcesForTests.PerSplit, Sources, parallel: false);

        // Backwards, one at a time, each example on its own: the same bytes as the sets made front to back.
        var backwards = new byte[parallel.Images.Length];
        var pixels = new float[784];
        for (var index = VariationSourcesForTests.PerSplit - 1; index >= 0; index--)
        {
            Assert.Equal(parallel.Labels[index], generator.Example(Seed, split, index, Sources, pixels));
            GeneratedSets.Quantize(pixels, backwards.AsSpan(index * 784, 784));
        }

        Assert.Equal(sequential.Images, parallel.Images);
        Assert.Equal(sequential.Labels, parallel.Labels);
        Assert.Equal(sequential.Images, backwards);
    }

    [Fact]
    public void BasicIsTheDigitAndItsLabel()
    {
        var pixels = new float[784];
        foreach (var split in Enum.GetValues<VariationSplit>())
            for (var index = 0; index < Examples; index++)
            {
                var label = Generator("basic").Example(Seed, split, index, Sources, pixels);
                var digits = VariationSourcesForTests.Digits(split);
                Assert.Equal(digits.Labels[index], label);
                Assert.Equal(digits.Pixels.AsSpan(index * 784, 784).ToArray(), pixels);
            }
    }

    [Fact]
    public void RotationByZeroIsTheIdentity()
    {
        var digit = VariationSourcesForTests.Digits(VariationSplit.Train).Pixels.AsSpan(0, 784).ToArray();
        var rotated = new float[784];
        DigitVariations.Rotate(digit, 0, rotated);
        Assert.Equal(digit, rotated);
    }

    [Fact]
    public void RotationMatchesHandComputedBilinearValues()
    {
        // One lit source pixel at (row 13, col 13). Rotated by π/4, output pixel (13, 13) (dx = dy = −0.5 from the centre 13.5)
        // samples the source at x = 13.5 − cos·0.5 − sin·0.5 = 13.5 − 1/√2, y = 13.5 + sin·0.5 − cos·0.5 = 13.5: between columns 12
        // and 13 with weight fx = 1.5 − 1/√2 on column 13, and halfway between rows 13 and 14. So it reads 0.5 · (1.5 − 1/√2).
        var source = new float[784];
        source[13 * 28 + 13] = 1;
        var rotated = new float[784];
        DigitVariations.Rotate(source, Math.PI / 4, rotated);
        Assert.Equal(0.5 * (1.5 - 1 / Math.Sqrt(2)), rotated[13 * 28 + 13], 1e-6);

        // By π/2 the output (row r, col c) reads source (row 27 − c, col r): source (3, 5) lands on (5, 24), and nothing else is lit.
        Array.Clear(source);
        source[3 * 28 + 5] = 0.8f;
        DigitVariations.Rotate(source, Math.PI / 2, rotated);
        Assert.Equal(0.8, rotated[5 * 28 + 24], 1e-6);
        Assert.Equal(0.8, rotated.Sum(v => (double)v), 1e-6);
    }

    [Fact]
    public void RotIsTheDigitRotatedByTheExamplesFirstDraw()
    {
        var rotated = new float[784];
        var expected = new float[784];
        for (var index = 0; index < Examples; index++)
        {
            Generator("rot").Example(Seed, VariationSplit.Valid, index, Sources, rotated);
            // Recomputed from the contract: θ = U[0, 2π) from ExampleRng(seed, Id, split, index)'s first draw.
            var rng = new ExampleRng(Seed, Generator("rot").Id, VariationSplit.Valid, index);
            var theta = 2 * Math.PI * rng.NextDouble();
            DigitVariations.Rotate(VariationSourcesForTests.Digits(VariationSplit.Valid).Pixels.AsSpan(index * 784, 784), theta, expected);
            Assert.Equal(expected, rotated);
        }
    }

    [Fact]
    public void BgRandKeepsTheDigitOverUniformNoise()
    {
        var pixels = new float[784];
        double backgroundSum = 0;
        var backgroundCount = 0;
        for (var index = 0; index < VariationSourcesForTests.PerSplit; index++)
        {
            Generator("bg-rand").Example(Seed, VariationSplit.Train, index, Sources, pixels);
            var digit = VariationSourcesForTests.Digits(VariationSplit.Train).Pixels.AsSpan(index * 784, 784);
            for (var i = 0; i < 784; i++)
            {
                Assert.True(pixels[i] >= digit[i] && pixels[i] <= 1, $"example {index} pixel {i}: {pixels[i]} under the digit's {digit[i]}");
                if (digit[i] == 0)
                {
                    backgroundSum += pixels[i];
                    backgroundCount++;
                }
            }
        }
        // Over ~11000 U[0, 1] pixels the mean is 0.5 ± 0.003 (1σ).
        Assert.InRange(backgroundSum / backgroundCount, 0.48, 0.52);
    }

    [Fact]
    public void PatchesFlatterThan20Over255AreDrawnAgain()
    {
        // Half flat, half striped: a patch is flat where it lies in the left half only.
        var halfFlat = new GrayImage("half", 60, 28, Enumerable.Range(0, 60 * 28)
            .Select(i => i % 60 < 30 ? 0.5f : (i % 60) % 2 == 0 ? 0.9f : 0.1f).ToArray());
        var patch = new float[784];
        var redrawn = 0;
        for (var index = 0; index < 200; index++)
        {
            var rng = new ExampleRng(Seed, 4, VariationSplit.Train, index);
            DigitVariations.Patch(ref rng, [halfFlat, VariationSourcesForTests.Flat], patch);
            Assert.True(DigitVariations.StandardDeviation(patch) >= DigitVariations.MinPatchStd, $"draw {index}: std {DigitVariations.StandardDeviation(patch)}");
            // The first candidate of this draw, recomputed: was it too flat (then the patch above is a redraw)?
            var first = new ExampleRng(Seed, 4, VariationSplit.Train, index);
            var image = first.NextInt(2);
            var top = first.NextInt((image == 0 ? 28 : 40) - 27);
            var left = first.NextInt((image == 0 ? 60 : 40) - 27);
            if (image == 1 || left <= 2)
                redrawn++;
        }
        Assert.True(redrawn > 50, $"only {redrawn} of 200 first candidates were flat; the test should exercise redraws");

        var error = Assert.Throws<InputException>(() =>
        {
            var rng = new ExampleRng(Seed, 4, VariationSplit.Train, 0);
            DigitVariations.Patch(ref rng, [VariationSourcesForTests.Flat], patch);
        });
        Assert.StartsWith("backgrounds: no 28×28 patch with a standard deviation of at least 20/255 in 1000 draws from flat;", error.Message);
    }

    [Theory]
    [InlineData("bg-img", false)]
    [InlineData("bg-img-rot", true)]
    public void ImageBackgroundsAreTheMaxOfTheDigitAndAPatch(string name, bool rotated)
    {
        var generator = Generator(name);
        var pixels = new float[784];
        var digit = new float[784];
        var patch = new float[784];
        for (var index = 0; index < Examples; index++)
        {
            generator.Example(Seed, VariationSplit.Test, index, Sources, pixels);
            // Recomputed from the contract: (θ first, for bg-img-rot), then the patch, from the example's own stream.
            var rng = new ExampleRng(Seed, generator.Id, VariationSplit.Test, index);
            var source = VariationSourcesForTests.Digits(VariationSplit.Test).Pixels.AsSpan(index * 784, 784);
            if (rotated)
                DigitVariations.Rotate(source, 2 * Math.PI * rng.NextDouble(), digit);
            else
                source.CopyTo(digit);
            DigitVariations.Patch(ref rng, Sources.Backgrounds, patch);
            Assert.Equal(digit.Zip(patch, Math.Max).ToArray(), pixels);
            Assert.True(DigitVariations.StandardDeviation(patch) >= DigitVariations.MinPatchStd);
        }
    }

    [Fact]
    public void TheRegistryHasEachDigitSetWithLarochellesSplitsAGeneratedNameAndItsOwnId()
    {
        Assert.Equal(["basic", "rot", "bg-rand", "bg-img", "bg-img-rot"],
            VariationGenerators.All.Where(g => g.Generator.NeedsDigits).Select(g => g.Generator.Name));
        Assert.All(VariationGenerators.All.Where(g => g.Generator.NeedsDigits), g => Assert.Equal((10000, 2000, 50000), g.Generator.Sizes));
        Assert.Equal(VariationGenerators.All.Count, VariationGenerators.All.Select(g => g.Generator.Id).Distinct().Count());
        Assert.Equal(VariationGenerators.All.Count, VariationGenerators.All.Select(g => g.Kind).Distinct().Count());
        foreach (var (kind, generator) in VariationGenerators.All)
        {
            Assert.True(Datasets.TryParse(generator.Name, out var parsed) && parsed == kind, generator.Name);
            var info = Datasets.Info(kind);
            Assert.Equal($"{generator.Name} (generated)", info.DisplayName);
            Assert.Equal((new ImageShape(1, generator.Side, generator.Side), generator.Classes), (info.Shape, info.Classes));
            Assert.Equal(generator is ShapesGenerator ? 30 : 28, generator.Side);
            Assert.Equal(Path.Combine(NpmDataPackage.CacheDir(generator.Name)), Datasets.DefaultDataDir(kind));
        }
    }
}
