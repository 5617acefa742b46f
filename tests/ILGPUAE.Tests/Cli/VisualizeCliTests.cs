namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Evaluation;
using ILGPUAE.Host;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Stacked;
using StbImageSharp;

/// <summary>
/// `ilgpuae visualize --model MODEL`: on each kind of model whose first layer is dense (a `train dae` run, a `pretrain` stack, and saved
/// architectures as `train deep`, `finetune` and an untied sparse autoencoder write them), every tile of the PNG is checked against
/// w_i / ‖w_i‖ computed here in double from the model file; a model whose first layer is a convolution, or that takes non-square
/// inputs, and bad options are one line, exit 2, with nothing written.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class VisualizeCliTests
{
    /// <summary>A 784-100 `train dae` run, a few steps: the default 100 units are a 10×10 grid of 28×28 tiles, each its unit's own range.</summary>
    [Fact]
    public void ATrainDaeRunIsDrawnUnitByUnit()
    {
        using var dir = new TempDirectory();
        var train = InProcessCli.Run("train", "dae", "--hidden", "100", "--epochs", "1", "--train-limit", "100", "--batch", "20", "--test-limit", "20",
            "--accelerator", "host", "--out", dir.Path, "--force");
        Assert.True(train.ExitCode == 0, train.ToString());

        var run = CliProcess.Run("visualize", "--model", dir.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        var picture = dir.File(UnitVisualization.FileName);
        Assert.Contains($"wrote {picture}: units 0–99 of 100, 10×10 grid, 291×291 pixels, each tile scaled to its own range", run.Stdout);
        AssertTilesAreTheUnits(picture, dir.File("model.safetensors"), "W", 100, 784, 100, 10, UnitScaling.Own);
    }

    /// <summary>A `pretrain` stack (no saved architecture) is drawn from layer 0; --units beyond the layer's 20 draws all 20, and says so.</summary>
    [Fact]
    public void APretrainStackIsDrawnFromItsFirstLayerAndUnitsClampToIt()
    {
        using var dir = new TempDirectory();
        var stack = dir.File("stack");
        var pretrain = InProcessCli.Run("pretrain", "--hidden", "20,10", "--epochs", "1", "--train-limit", "50", "--test-limit", "20", "--accelerator", "host",
            "--out", stack);
        Assert.True(pretrain.ExitCode == 0, pretrain.ToString());
        var picture = dir.File("pictures/units.png");

        var run = CliProcess.Run("visualize", "--model", Path.Combine(stack, "model.safetensors"), "--units", "500", "--out", picture, "--scale", "shared");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("all 20 units (the layer has 20; 500 asked), 4×5 grid, 146×117 pixels, one symmetric scale for all tiles", run.Stdout);
        AssertTilesAreTheUnits(picture, Path.Combine(stack, "model.safetensors"), "layer0.W", 20, 784, 20, 5, UnitScaling.Shared);
    }

    public static TheoryData<string, int, int, int?, UnitScaling, int> SavedModels => new()
    {
        // kind, units drawn, layer inputs, --columns, scale, expected columns
        { "deep", 12, 900, null, UnitScaling.Own, 4 },
        { "classifier", 16, 784, 5, UnitScaling.Shared, 5 },
        { "sparse", 9, 100, 20, UnitScaling.Own, 9 },
    };

    /// <summary>
    /// Models saved with their architecture: a `train deep` 900-12-5 autoencoder (30×30 inputs, the shapes set's), a `finetune`
    /// classifier 784-16-10 (its corruption module first), and an untied sparse autoencoder 100-9-100 as `train sparse` saves one.
    /// </summary>
    [Theory]
    [MemberData(nameof(SavedModels))]
    public void EachKindWithADenseFirstLayerIsDrawn(string kind, int units, int inputs, int? columns, UnitScaling scale, int expectedColumns)
    {
        using var dir = new TempDirectory();
        var (spec, weight) = kind switch
        {
            "deep" => (Networks.DeepAutoencoder([900, 12, 5]), "layer0.W"),
            "classifier" => (Networks.Classifier(new ClassifierArchitecture(784, [16], [], 10), corruption: 0.25f), "layer0.W"),
            _ => (SparseAutoencoder(), "enc.W"),
        };
        var model = Save(dir, spec);
        string[] options = columns is { } c ? ["--columns", c.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];

        var run = InProcessCli.Run(["visualize", "--model", dir.Path, "--scale", scale.ToString().ToLowerInvariant(), .. options]);

        Assert.True(run.ExitCode == 0, run.ToString());
        AssertTilesAreTheUnits(dir.File(UnitVisualization.FileName), model, weight, units, inputs, units, expectedColumns, scale);
    }

    public static TheoryData<string, string> RefusedModels => new()
    {
        { "cae", "the first layer is a convolution 1 → 8 channels of 28×28 (enc1.W); expected a model whose first layer is dense" },
        { "cnn", "the first layer is a convolution 1 → 5 channels of 28×28 (conv1.W); expected a model whose first layer is dense" },
        { "non-square", "the first layer (layer0.W) takes 30 inputs, not a square image; expected side × side inputs" },
    };

    /// <summary>`train cae`'s model, `train classifier`'s small CNN and a 30-input autoencoder: one line naming the file, nothing written.</summary>
    [Theory]
    [MemberData(nameof(RefusedModels))]
    public void AModelWithoutADenseSquareFirstLayerIsRefused(string kind, string expected)
    {
        using var dir = new TempDirectory();
        var model = Save(dir, kind switch
        {
            "cae" => Networks.ConvAutoencoder(),
            "cnn" => Networks.SmallCnn(10),
            _ => Networks.DeepAutoencoder([30, 5]),
        });
        var entries = dir.Entries();

        var run = InProcessCli.Run("visualize", "--model", model, "--out", dir.File("out/units.png"));

        var line = InProcessCli.AssertRefused(run, model);
        Assert.Equal($"error: {model}: {expected}", line[..$"error: {model}: {expected}".Length]);
        Assert.Equal(entries, dir.Entries());
    }

    /// <summary>A `pretrain` run killed before its first layer finished has no layer to draw (Checkpoint.SpecOf says so for every reader).</summary>
    [Fact]
    public void AStackWithNoCompletedLayerIsRefused()
    {
        using var dir = new TempDirectory();
        new StackFile(new StackOptions { Hidden = [4], Corruption = [0.1f], Epochs = 1 }, 784, []).Write(dir.Path);
        var entries = dir.Entries();

        var run = InProcessCli.Run("visualize", "--model", dir.Path);

        InProcessCli.AssertRefused(run, $"{dir.File("model.safetensors")}: the stack has no completed layer yet; expected at least one");
        Assert.Equal(entries, dir.Entries());
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--units", "0"], "--units 0: expected an integer ≥ 1" },
        { ["--columns", "0"], "--columns 0: expected an integer ≥ 1" },
        { ["--out", "units.txt"], "--out units.txt: expected a file name ending in .png" },
        { ["--scale", "global"], "--scale global: expected own or shared" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsAreOneLineAndWriteNothing(string[] options, string named)
    {
        using var dir = new TempDirectory();
        Save(dir, SparseAutoencoder());
        var entries = dir.Entries();

        var run = InProcessCli.Run(["visualize", "--model", dir.Path, .. options]);

        InProcessCli.AssertRefused(run, named);
        Assert.Equal(entries, dir.Entries());
    }

    [Fact]
    public void AMissingModelOrAnOutThatIsADirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        InProcessCli.AssertRefused(InProcessCli.Run("visualize", "--model", dir.File("none.safetensors")), $"--model {dir.File("none.safetensors")}: {dir.File("none.safetensors")} does not exist");
        InProcessCli.AssertRefused(InProcessCli.Run("visualize", "--model", dir.Path), $"--model {dir.Path}: {Path.Combine(dir.Path, "model.safetensors")} does not exist");
        Save(dir, SparseAutoencoder());
        Directory.CreateDirectory(dir.File("taken.png"));
        InProcessCli.AssertRefused(InProcessCli.Run("visualize", "--model", dir.Path, "--out", dir.File("taken.png")), "is a directory; expected a .png file's path");
        Assert.False(File.Exists(dir.File(UnitVisualization.FileName)));
    }

    /// <summary>An untied sigmoid autoencoder 100 → 9 → 100, its architecture saved as a NetworkSpec (as `train cae` saves its model).</summary>
    private static NetworkSpec SparseAutoencoder() => new(
        [new DenseSpec(100, 9, Activation.Sigmoid, "enc.W", "enc.b"), new DenseSpec(9, 100, Activation.Sigmoid, "dec.W", "dec.b")],
        new ReconstructionSpec(LossKind.SquaredError));

    /// <summary>The network of <paramref name="spec"/> with seeded random parameters, saved as <c>model.safetensors</c> in <paramref name="dir"/>.</summary>
    private static string Save(TempDirectory dir, NetworkSpec spec)
    {
        using var backend = new HostBackend(threads: 1);
        using var network = spec.Build(backend, 1);
        network.Initialize(7);
        var path = dir.File("model.safetensors");
        Checkpoint.Save(path, network);
        return path;
    }

    /// <summary>
    /// The PNG is a grid of <paramref name="count"/> side×side tiles in <paramref name="columns"/> columns, tile i being row i of
    /// <paramref name="weight"/> ([units, inputs] in <paramref name="model"/>) divided by its norm, computed here in double, then drawn
    /// at <paramref name="scale"/>: every pixel within half a grey level (the rounding) of that.
    /// </summary>
    private static void AssertTilesAreTheUnits(string png, string model, string weight, int units, int inputs, int count, int columns, UnitScaling scale)
    {
        Assert.True(SafeTensorsFile.Read(model).TryGet(weight, out var w), $"{model} has no tensor {weight}");
        Assert.Equal([units, inputs], w.Shape);
        var side = (int)Math.Round(Math.Sqrt(inputs));
        var x = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var row = w.Data.AsSpan(i * inputs, inputs).ToArray();
            var norm = Math.Sqrt(row.Sum(v => (double)v * v));
            x[i] = row.Select(v => v / norm).ToArray();
        }
        var bound = x.Max(r => r.Max(Math.Abs));
        var image = ImageResult.FromMemory(File.ReadAllBytes(png), ColorComponents.Grey);
        var rows = (count + columns - 1) / columns;
        Assert.Equal((columns * (side + 1) + 1, rows * (side + 1) + 1), (image.Width, image.Height));
        for (var i = 0; i < count; i++)
        {
            var (low, high) = scale == UnitScaling.Own ? (x[i].Min(), x[i].Max()) : (-bound, bound);
            for (var p = 0; p < inputs; p++)
            {
                var expected = 255 * (x[i][p] - low) / (high - low);
                var actual = image.Data[(1 + i / columns * (side + 1) + p / side) * image.Width + 1 + i % columns * (side + 1) + p % side];
                Assert.True(Math.Abs(actual - expected) <= 0.51, $"{png}: tile {i}, pixel {p}: {actual}, expected {expected:F2} ({scale})");
            }
        }
    }
}
