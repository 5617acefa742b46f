namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;
using ILGPUAE.IO;

/// <summary>The GSN setup's binarised data: x &gt; 0.5 → 1 else 0, on a copy, and the model metadata that says a model was trained on it.</summary>
public sealed class BinarizationTests
{
    [Fact]
    public void PixelsAboveOneHalfBecomeOneAndTheRestZeroOnACopy()
    {
        // 127/255 < 0.5 < 128/255: an MNIST byte is 1 from 128 up; 0.5 itself is not above the threshold.
        float[] pixels = [0f, 127 / 255f, 0.5f, 128 / 255f, 0.50000006f, 1f];
        var data = new Dataset("d", count: 2, rows: 1, cols: 3, pixels: (float[])pixels.Clone(), labels: [4, 9]);

        var binarized = data.Binarized();

        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f], binarized.Pixels);
        Assert.Equal(new byte[] { 4, 9 }, binarized.Labels);
        Assert.Equal((data.Count, data.Shape), (binarized.Count, binarized.Shape));
        Assert.Equal("d binarised", binarized.Name);
        Assert.Equal(pixels, data.Pixels);
    }

    [Fact]
    public void SplitsAreBinarizedEach()
    {
        static Dataset Set(string name, float value) => new(name, count: 1, rows: 1, cols: 2, pixels: [value, 1 - value], labels: [1]);
        var splits = new ClassificationSplits(Set("train", 0.9f), Set("valid", 0.2f), Set("test", 0.6f));

        var binarized = splits.Binarized();

        Assert.Equal([1f, 0f], binarized.Train.Pixels);
        Assert.Equal([0f, 1f], binarized.Valid.Pixels);
        Assert.Equal([1f, 0f], binarized.Test.Pixels);
    }

    [Fact]
    public void TheModelMetadataSaysTrueFalseOrNothing()
    {
        Assert.True(Binarization.Of("m", new Dictionary<string, string> { [Binarization.MetadataKey] = Binarization.Text(true) }));
        Assert.False(Binarization.Of("m", new Dictionary<string, string> { [Binarization.MetadataKey] = Binarization.Text(false) }));
        Assert.False(Binarization.Of("m", new Dictionary<string, string>()));
        var e = Assert.Throws<InputException>(() => Binarization.Of("m.safetensors", new Dictionary<string, string> { [Binarization.MetadataKey] = "yes" }));
        Assert.Equal("m.safetensors: __metadata__.binarize is 'yes'; expected true or false", e.Message);
    }
}
