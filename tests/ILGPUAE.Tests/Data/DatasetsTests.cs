namespace ILGPUAE.Tests.Data;

using System.Text.Json;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

public class DatasetsTests
{
    [Theory]
    [InlineData("mnist", DatasetKind.Mnist)]
    [InlineData("MNIST", DatasetKind.Mnist)]
    [InlineData("fashion-mnist", DatasetKind.FashionMnist)]
    [InlineData("Fashion-MNIST", DatasetKind.FashionMnist)]
    public void NamesParseIgnoringCase(string name, DatasetKind expected)
    {
        Assert.True(Datasets.TryParse(name, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("fashion")]
    [InlineData("fashion_mnist")]
    [InlineData("Fashion-MNIST v2")]
    [InlineData("")]
    [InlineData(null)]
    public void OtherNamesDoNotParse(string? name) => Assert.False(Datasets.TryParse(name, out _));

    [Fact]
    public void TheRegistryNamesBothDatasetsAndTheirShapes()
    {
        // The generated sets (DigitVariationsTests checks each) follow the two fetched ones; the in-memory halves (HalvesTests) comes last.
        Assert.Equal(["mnist", "fashion-mnist", .. VariationGenerators.All.Select(g => g.Generator.Name), Halves.Name], Datasets.All.Select(d => d.Name));
        Assert.StartsWith("mnist, fashion-mnist, basic, rot, bg-rand, bg-img", Datasets.ExpectedNames);
        Assert.EndsWith($" or {Halves.Name}", Datasets.ExpectedNames);
        var mnist = Datasets.Info(DatasetKind.Mnist);
        var fashion = Datasets.Info(DatasetKind.FashionMnist);
        Assert.Equal(("MNIST", new ImageShape(1, 28, 28), 10), (mnist.DisplayName, mnist.Shape, mnist.Classes));
        Assert.Equal(("Fashion-MNIST v2", new ImageShape(1, 28, 28), 10), (fashion.DisplayName, fashion.Shape, fashion.Classes));
        Assert.All(Datasets.All, d => Assert.True(Datasets.TryParse(d.Name, out var kind) && kind == d.Kind));
    }

    [Fact]
    public void EachDatasetIsCachedInItsOwnFolderUnderXdgCacheHome()
    {
        TestEnvironment.With("XDG_CACHE_HOME", "/somewhere/cache", () =>
        {
            Assert.Equal(Path.Combine("/somewhere/cache", "ilgpuae", "fashion-mnist"), Datasets.DefaultDataDir(DatasetKind.FashionMnist));
            Assert.Equal(Path.Combine("/somewhere/cache", "ilgpuae", "mnist"), Datasets.DefaultDataDir(DatasetKind.Mnist));
            return 0;
        });
    }

    [Fact]
    public void OptionsSaveTheDatasetByNameAndOlderRunsReadBackAsMnist()
    {
        var json = JsonSerializer.Serialize(new DaeOptions { Dataset = DatasetKind.FashionMnist }, DaeCheckpoint.Json);
        using (var document = JsonDocument.Parse(json))
            Assert.Equal("fashion-mnist", document.RootElement.GetProperty("dataset").GetString());
        Assert.Equal(DatasetKind.FashionMnist, JsonSerializer.Deserialize<DaeOptions>(json, DaeCheckpoint.Json)!.Dataset);

        // Checkpoints written before runs named their dataset have no "dataset": they trained on MNIST.
        Assert.Equal(DatasetKind.Mnist, JsonSerializer.Deserialize<DaeOptions>("""{"hidden": 5}""", DaeCheckpoint.Json)!.Dataset);
        Assert.Equal(DatasetKind.Mnist, JsonSerializer.Deserialize<FinetuneOptions>("{}", DaeCheckpoint.Json)!.Dataset);

        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StackOptions>("""{"dataset": "cifar"}""", DaeCheckpoint.Json));
        Assert.Contains($"dataset is 'cifar', expected {Datasets.ExpectedNames}", error.Message);
    }

    [Fact]
    public void EveryLayerOfAStackTrainsOnTheStacksDataset()
    {
        var stack = new StackOptions { Dataset = DatasetKind.FashionMnist, Hidden = [8, 4] };
        Assert.All(Enumerable.Range(0, stack.Layers), layer => Assert.Equal(DatasetKind.FashionMnist, stack.ForLayer(layer).Dataset));
    }

    [Fact]
    public void CurvesTitlesNameTheRunsDatasetByItsDisplayName()
    {
        var fashion = DatasetKind.FashionMnist;
        var dae = new TrainingMetrics("tied denoising autoencoder", "d", "host", new DaeOptions { Dataset = fashion }, 1, 1, [new(1, 2, 1, 1, 1)]);
        var stack = new StackMetrics("stack", "d", "host", new StackOptions { Dataset = fashion, Hidden = [4], Corruption = [0.1f] }, 1, 1,
            [new StackLayerMetrics(0, 784, 4, 0.1f, 1, [new(1, 2, 1, 1, 1)])]);
        var finetune = new FinetuneMetrics("classifier", "784-4-10", null, "/p", "d", "host", new FinetuneOptions { Dataset = fashion }, 1, 1,
            [new FinetuneEpochReport(1, 0.9, 0.2, 1, 1, true, 0.1)]);

        Assert.StartsWith("tied denoising autoencoder on Fashion-MNIST v2: ", TrainingCurves.Of(dae)[0].Title);
        Assert.EndsWith(", on Fashion-MNIST v2", TrainingCurves.Of(stack)[0].Title);
        Assert.StartsWith("classifier 784-4-10 on Fashion-MNIST v2, ", TrainingCurves.Of(finetune)[0].Title);
        // A metrics.json from before runs named their dataset reads back as MNIST.
        Assert.StartsWith("tied denoising autoencoder on MNIST: ", TrainingCurves.Of(dae with { Options = new DaeOptions() })[0].Title);
    }

    [Fact]
    public void SplitsHoldOutTheTailOfTheTrainingSetForValidation()
    {
        var info = Datasets.Info(DatasetKind.Mnist);
        var pixels = Enumerable.Range(0, 5 * 784).Select(i => i / 784 / 10f).ToArray();
        var all = new Dataset("MNIST train", 5, new ImageShape(1, 28, 28), pixels, [5, 6, 7, 8, 9]);
        var test = new Dataset("MNIST test", 1, new ImageShape(1, 28, 28), new float[784], [1]);

        var splits = new DatasetSplits(info, all, validationCount: 2, test);

        Assert.Equal(("MNIST train[0:3]", 3), (splits.Train.Name, splits.Train.Count));
        Assert.Equal(("MNIST train[3:5]", 2), (splits.Validation.Name, splits.Validation.Count));
        Assert.Equal(new byte[] { 5, 6, 7 }, splits.Train.Labels);
        Assert.Equal(new byte[] { 8, 9 }, splits.Validation.Labels);
        Assert.Equal(pixels[(3 * 784)..], splits.Validation.Pixels);
        Assert.Same(all, splits.TrainAndValidation);
        Assert.Same(splits.Train, splits.Train); // copied once

        var wrongShape = new Dataset("small", 1, new ImageShape(1, 2, 2), new float[4], [0]);
        Assert.Throws<ArgumentException>(() => new DatasetSplits(info, all, 2, wrongShape));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetSplits(info, all, 6, test));
    }

    [Fact]
    public void MnistByNameIsTheClassicSplitOfTheSameImages()
    {
        // `train dae` trained on all 60 000 training images and `pretrain`/`finetune` on [0:50000] / [50000:60000]
        // before datasets had names; the registry must hand them the same pixels in the same order.
        var (train, test) = Mnist.Load(null, log: null);
        var splits = Datasets.Load(DatasetKind.Mnist, null, log: null);

        Assert.Equal(train.Pixels, splits.TrainAndValidation.Pixels);
        Assert.Equal(train.Labels, splits.TrainAndValidation.Labels);
        Assert.Equal(test.Pixels, splits.Test.Pixels);
        var classification = splits.ForClassification();
        Assert.Equal((50000, 10000, 10000), (classification.Train.Count, classification.Valid.Count, classification.Test.Count));
        Assert.True(train.Pixels.AsSpan(0, 50000 * 784).SequenceEqual(classification.Train.Pixels));
        Assert.True(train.Pixels.AsSpan(50000 * 784).SequenceEqual(classification.Valid.Pixels));
        Assert.Equal("MNIST train[50000:60000]", classification.Valid.Name);
    }
}
