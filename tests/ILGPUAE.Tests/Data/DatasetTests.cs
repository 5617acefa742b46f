namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;

public class DatasetTests
{
    [Fact]
    public void FromIdxScalesBytesByDividingBy255()
    {
        var images = new IdxImages(Count: 2, Rows: 1, Cols: 3, Pixels: [0, 51, 255, 1, 128, 254]);

        var dataset = Dataset.FromIdx("tiny", images, [7, 3]);

        Assert.Equal((2, 1, 3, 3), (dataset.Count, dataset.Rows, dataset.Cols, dataset.Features));
        Assert.Equal([0f, 51 / 255f, 1f, 1 / 255f, 128 / 255f, 254 / 255f], dataset.Pixels);
        Assert.Equal(0.2f, dataset.Pixels[1]); // 51/255 rounds to the float nearest 0.2
        Assert.Equal(new byte[] { 7, 3 }, dataset.Labels);
    }

    [Fact]
    public void TakeCopiesTheFirstExamples()
    {
        var dataset = new Dataset("d", count: 3, rows: 1, cols: 2, pixels: [1, 2, 3, 4, 5, 6], labels: [7, 8, 9]);

        var first = dataset.Take(2);

        Assert.Equal(2, first.Count);
        Assert.Equal([1f, 2f, 3f, 4f], first.Pixels);
        Assert.Equal(new byte[] { 7, 8 }, first.Labels);
        first.Pixels[0] = -1f;
        Assert.Equal(1f, dataset.Pixels[0]); // a copy, not a view
        Assert.Equal(0, dataset.Take(0).Count);
        Assert.Equal(3, dataset.Take(3).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Take(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Take(-1));
    }

    [Fact]
    public void ConstructorRejectsLengthsThatDisagreeWithTheShape()
    {
        Assert.Throws<ArgumentException>(() => new Dataset("d", 2, 1, 2, new float[3], new byte[2]));
        Assert.Throws<ArgumentException>(() => new Dataset("d", 2, 1, 2, new float[4], new byte[3]));
    }
}
