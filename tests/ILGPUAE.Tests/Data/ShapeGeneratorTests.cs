namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data.Variations;

/// <summary>
/// What every shape set's tests check the same way (rect, rect-img, convex: two classes, no digits): the standard name, sizes
/// and classes, the pinned bytes of examples 0–15 of each split at seed 42, and the same bytes made in parallel.
/// </summary>
/// <param name="pinnedHashes">
/// SHA-256 of examples 0–15 of train, valid and test at seed 42, pinned once from the generator: a change to any draw, the order of
/// draws or the drawing changes them.
/// </param>
/// <param name="parallelCheck">The split and how many of its examples the parallel check makes.</param>
/// <param name="sources">The sources the examples are made from (none for the sets that draw everything).</param>
public abstract class ShapeGeneratorTests(IVariationGenerator generator, string expectedName, (int Train, int Valid, int Test) expectedSizes,
    string[] pinnedHashes, (VariationSplit Split, int Count) parallelCheck, VariationSources? sources = null)
{
    [Fact]
    public void NameSizesAndClassesAreTheStandardOnes()
    {
        Assert.Equal(expectedName, generator.Name);
        Assert.Equal(expectedSizes, generator.Sizes);
        Assert.Equal(2, generator.Classes);
        Assert.False(generator.NeedsDigits);
        Assert.Equal(sources?.Backgrounds is not null, generator.NeedsBackgrounds);
    }

    [Fact]
    public void FirstExamplesOfEachSplitAreTheSameBytesForASeed() =>
        Assert.Equal(pinnedHashes, GeneratedExamples.SplitHashes(generator, seed: 42, count: 16, sources));

    [Fact]
    public void ParallelGenerationGivesTheSameBytesAsSequential()
    {
        var (split, count) = parallelCheck;
        var sequential = GeneratedExamples.Make(generator, seed: 3, split, count, sources);
        var parallel = GeneratedExamples.Make(generator, seed: 3, split, count, sources, parallel: true);
        Assert.Equal(sequential.Pixels, parallel.Pixels);
        Assert.Equal(sequential.Labels, parallel.Labels);
    }
}
