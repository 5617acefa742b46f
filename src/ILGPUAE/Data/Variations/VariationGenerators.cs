namespace ILGPUAE.Data.Variations;

/// <summary>A generated dataset: the <see cref="DatasetKind"/> runs name it by and the generator that makes its examples.</summary>
public sealed record GeneratedDataset(DatasetKind Kind, IVariationGenerator Generator);

/// <summary>
/// The registry of generated datasets. Adding a generator is one line in <see cref="All"/> (its <see cref="DatasetKind"/> member
/// exists for every set the issue names): <see cref="Datasets"/> then names, loads and makes it, and `data make` and every
/// `--dataset` accept it.
/// </summary>
public static class VariationGenerators
{
    public static readonly IReadOnlyList<GeneratedDataset> All =
    [
        new(DatasetKind.Basic, DigitVariationGenerator.Basic),
        new(DatasetKind.Rot, DigitVariationGenerator.Rotated),
        new(DatasetKind.BgRand, DigitVariationGenerator.RandomBackground),
        new(DatasetKind.BgImg, DigitVariationGenerator.ImageBackground),
        new(DatasetKind.BgImgRot, DigitVariationGenerator.RotatedImageBackground),
        new(DatasetKind.Rect, new RectanglesGenerator()),
        new(DatasetKind.RectImg, new RectanglesImageGenerator()),
        new(DatasetKind.Convex, new ConvexGenerator()),
        new(DatasetKind.Shapes, new ShapesGenerator()),
    ];

    /// <summary>The generator of <paramref name="kind"/>, or null when it is not a generated dataset (MNIST, Fashion-MNIST v2).</summary>
    public static IVariationGenerator? Of(DatasetKind kind) => All.FirstOrDefault(g => g.Kind == kind)?.Generator;
}
