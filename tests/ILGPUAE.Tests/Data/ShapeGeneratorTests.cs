namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data.Variations;

/// <summary>
/// What every shape set's tests check the same way (rect, rect-img, convex: two classes, no digits): the standard name, sizes
/// and classes, the pinned bytes of examples 0–15 of each split at seed 42, and the same bytes made in parallel.
/// </summary>
public abstract class ShapeGeneratorTests
{
    protected abstract IVariationGenerator Generator { get; }

    /// <summary>The sources the examples are made from (none for the sets that draw everything).</summary>
    protected virtual VariationSources? ExampleSources => null;

    protected abstract string ExpectedName { get; }

    protected abstract (int Train, int Valid, int Test) ExpectedSizes { get; }

    /// <summary>
    /// SHA-256 of examples 0–15 of train, valid and test at seed 42, pinned once from the generator: a change to any draw, the
    /// order of draws or the drawing changes them.
    /// </summary>
    protected abstract string[] PinnedHashes { get; }

    /// <summary>The split and how many of its examples the parallel check makes.</summary>
    protected abstract (VariationSplit Split, int Count) ParallelCheck { get; }

    [Fact]
    public void NameSizesAndClassesAreTheStandardOnes()
    {
        Assert.Equal(ExpectedName, Generator.Name);
        Assert.Equal(ExpectedSizes, Generator.Sizes);
        Assert.Equal(2, Generator.Classes);
        Assert.False(Generator.NeedsDigits);
        Assert.Equal(ExampleSources?.Backgrounds is not null, Generator.NeedsBackgrounds);
    }

    [Fact]
    public void FirstExamplesOfEachSplitAreTheSameBytesForASeed() =>
        Assert.Equal(PinnedHashes, GeneratedExamples.SplitHashes(Generator, seed: 42, count: 16, ExampleSources));

    [Fact]
    public void ParallelGenerationGivesTheSameBytesAsSequential()
    {
        var (split, count) = ParallelCheck;
        var sequential = GeneratedExamples.Make(Generator, seed: 3, split, count, ExampleSources);
        var parallel = GeneratedExamples.Make(Generator, seed: 3, split, count, ExampleSources, parallel: true);
        Assert.Equal(sequential.Pixels, parallel.Pixels);
        Assert.Equal(sequential.Labels, parallel.Labels);
    }
}
