namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Tests.IO;
using StbImageSharp;

/// <summary>
/// <see cref="UnitVisualization"/>: the maximally activating input x_i = w_i / ‖w_i‖ against a double reference and against its defining
/// property (no input of norm 1 activates the unit more), the grid it is drawn in, and which first layers it accepts.
/// </summary>
public sealed class VisualizeTests
{
    /// <summary>Rows of a seeded Gaussian W, some scaled far from 1, one zero row when there are several.</summary>
    private static float[] Weights(int units, int inputs, int seed)
    {
        var random = new System.Random(seed);
        var w = new float[units * inputs];
        for (var i = 0; i < units; i++)
        {
            // Row scales from 1e-6 to 1e6: the normalisation must not depend on the row's magnitude.
            var scale = units > 1 && i == units / 2 ? 0f : MathF.Pow(10, (i % 13) - 6);
            for (var j = 0; j < inputs; j++)
                w[i * inputs + j] = scale * (float)Gaussian(random);
        }
        return w;
    }

    private static double Gaussian(System.Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 784)]
    [InlineData(7, 17)]
    [InlineData(33, 31)]
    [InlineData(100, 900)]
    public void MaxActivatingInputsMatchTheDoubleReference(int units, int inputs)
    {
        var w = Weights(units, inputs, seed: units * 1000 + inputs);

        var x = UnitVisualization.MaxActivatingInputs(w, units, inputs);

        Assert.Equal(units * inputs, x.Length);
        for (var i = 0; i < units; i++)
        {
            var norm = Math.Sqrt(Enumerable.Range(0, inputs).Sum(j => (double)w[i * inputs + j] * w[i * inputs + j]));
            for (var j = 0; j < inputs; j++)
            {
                var expected = norm == 0 ? 0 : w[i * inputs + j] / norm;
                var actual = x[i * inputs + j];
                Assert.True(Math.Abs(actual - expected) <= 1e-7 + 1e-6 * Math.Abs(expected), $"unit {i}, input {j}: {actual} vs {expected} (‖w‖ {norm})");
            }
        }
    }

    /// <summary>
    /// x_i has norm 1 and w_i·x_i = ‖w_i‖ ≥ w_i·u for every unit vector u (2000 random ones per unit, and ±x_i itself: the equality
    /// cases); scaling W by a positive factor leaves x unchanged; a zero row gives zeros.
    /// </summary>
    [Fact]
    public void NoUnitInputActivatesAUnitMore()
    {
        const int units = 13, inputs = 50;
        var w = Weights(units, inputs, seed: 5);
        var x = UnitVisualization.MaxActivatingInputs(w, units, inputs);
        var random = new System.Random(11);
        for (var i = 0; i < units; i++)
        {
            var wi = w.AsSpan(i * inputs, inputs).ToArray().Select(v => (double)v).ToArray();
            var xi = x.AsSpan(i * inputs, inputs).ToArray().Select(v => (double)v).ToArray();
            var wNorm = Math.Sqrt(Dot(wi, wi));
            if (wNorm == 0)
            {
                Assert.All(xi, v => Assert.Equal(0, v));
                continue;
            }
            Assert.Equal(1, Math.Sqrt(Dot(xi, xi)), 1e-6);
            var best = Dot(wi, xi);
            Assert.True(Math.Abs(best - wNorm) <= 1e-6 * wNorm, $"unit {i}: w·x {best} vs ‖w‖ {wNorm}");
            Assert.Equal(-best, Dot(wi, xi.Select(v => -v).ToArray()));
            for (var trial = 0; trial < 2000; trial++)
            {
                var u = Enumerable.Range(0, inputs).Select(_ => Gaussian(random)).ToArray();
                var uNorm = Math.Sqrt(Dot(u, u));
                var activation = Dot(wi, u) / uNorm;
                Assert.True(activation <= best * (1 + 1e-6), $"unit {i}, trial {trial}: a unit vector gives w·u {activation} > w·x {best}");
            }
        }
        var scaled = UnitVisualization.MaxActivatingInputs(w.Select(v => 3.5f * v).ToArray(), units, inputs);
        for (var k = 0; k < x.Length; k++)
            Assert.True(Math.Abs(scaled[k] - x[k]) <= 1e-6f, $"element {k}: {scaled[k]} for 3.5·W vs {x[k]}");
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    [Fact]
    public void AWeightMatrixOfAnotherShapeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => UnitVisualization.MaxActivatingInputs(new float[10], 3, 4));
        Assert.Contains("[units 3, inputs 4]", e.Message);
    }

    /// <summary>
    /// The grid's pixel size is columns·(side + 1) + 1 by rows·(side + 1) + 1; with own scaling each tile spans black to white, with the
    /// shared scale 0 is mid-grey and only the largest |x| of all tiles reaches black or white.
    /// </summary>
    [Theory]
    [InlineData(UnitScaling.Own)]
    [InlineData(UnitScaling.Shared)]
    public void TheGridHasOneTilePerUnitAtItsScale(UnitScaling scale)
    {
        using var dir = new TempDirectory();
        const int units = 7, side = 5, columns = 3;
        // Unit 3 is W's zero row: its tile is all zeros, black at its own scale (no range), mid-grey at the shared one.
        var x = UnitVisualization.MaxActivatingInputs(Weights(units, side * side, seed: 2), units, side * side);
        var path = dir.File("grid.png");

        UnitVisualization.Picture(x, units, side, columns, scale).Write(path);

        var image = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.Grey);
        Assert.Equal((columns * (side + 1) + 1, 3 * (side + 1) + 1), (image.Width, image.Height));
        var bound = x.Max(MathF.Abs);
        for (var k = 0; k < units; k++)
        {
            var tile = x.AsSpan(k * side * side, side * side).ToArray();
            var (low, high) = scale == UnitScaling.Own ? (tile.Min(), tile.Max()) : (-bound, bound);
            for (var p = 0; p < side * side; p++)
            {
                var expected = high > low ? 255.0 * (tile[p] - low) / (high - low) : 255.0 * (tile[p] - low);
                var actual = image.Data[(1 + (k / columns) * (side + 1) + p / side) * image.Width + 1 + (k % columns) * (side + 1) + p % side];
                Assert.True(Math.Abs(actual - expected) <= 0.51, $"tile {k}, pixel {p}: {actual} vs {expected:F2} ({scale})");
            }
        }
        // The gaps and the two unused cells of the last row stay black.
        Assert.All(Enumerable.Range(0, image.Width), c => Assert.Equal(0, image.Data[c]));
        Assert.Equal(0, image.Data[(image.Height - 2) * image.Width + image.Width - 2]);
    }

    [Theory]
    [InlineData(784, 28)]
    [InlineData(900, 30)]
    [InlineData(100, 10)]
    [InlineData(1, 1)]
    [InlineData(783, null)]
    [InlineData(3072, null)]
    [InlineData(0, null)]
    public void OnlySquareInputsHaveASide(int inputs, int? side) => Assert.Equal(side, UnitVisualization.Side(inputs));

    /// <summary>Corruption and dropout are passed over to the first dense layer; a convolution or a pooling first is refused by name.</summary>
    [Fact]
    public void TheFirstLayerMustBeDense()
    {
        var classifier = Networks.Classifier(new ILGPUAE.Models.ClassifierArchitecture(784, [20], [], 10));
        Assert.Equal("layer0.W", UnitVisualization.FirstDenseLayer("m", classifier).Weight);
        var dropped = new NetworkSpec([new DropoutSpec(9, 0.5f), new DenseSpec(9, 4, Activation.Sigmoid, "a.W", "a.b")], new ReconstructionSpec(LossKind.SquaredError));
        Assert.Equal("a.W", UnitVisualization.FirstDenseLayer("m", dropped).Weight);

        var conv = Assert.Throws<InputException>(() => UnitVisualization.FirstDenseLayer("runs/cae/model.safetensors", Networks.ConvAutoencoder()));
        Assert.Equal("runs/cae/model.safetensors: the first layer is a convolution 1 → 8 channels of 28×28 (enc1.W); expected a model whose first layer is dense (train dae, pretrain, train deep, finetune, train sparse)", conv.Message);
        var pooled = new NetworkSpec([new MaxPool2dSpec(1, 4, 4), new DenseSpec(4, 2, Activation.Sigmoid, "a.W", "a.b")], new ReconstructionSpec(LossKind.SquaredError));
        Assert.Contains("the first layer is a max-pool of 1 channels of 4×4", Assert.Throws<InputException>(() => UnitVisualization.FirstDenseLayer("m", pooled)).Message);
    }
}
