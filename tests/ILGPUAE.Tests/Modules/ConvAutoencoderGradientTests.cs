namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Host;

/// <summary>
/// The convolutional autoencoder (<see cref="Networks.ConvAutoencoder"/>) as one network: every trained parameter's gradient from
/// <see cref="Network.ForwardBackward"/> — through the sigmoid top, two convolutions, two upsamples, two max-pools and the ReLUs,
/// with the code's L1 penalty on — against central differences of the batch's mean loss taken through the same ForwardBackward,
/// on 8×8 images (a 4×2×2 code) so that the 889 parameters are checked in seconds. On `host` only: each module's backward is checked
/// on ILGPU's CPU accelerator too (Conv2dModuleTests, PoolingModuleTests), and this composition of them is backend-independent code.
/// </summary>
public abstract class ConvAutoencoderGradientTests(IBackend backend)
{
    private const int Side = 8, Rows = 3;
    private static readonly int[] BatchIndices = [2, 0];

    /// <summary>
    /// Steps h = 2e-3 and h/2. The objective is piecewise smooth: a step that moves a ReLU input or a pool's winner across its kink
    /// (likely for a bias, which shifts a whole channel) changes the difference by far more than smoothness allows, so an element whose
    /// two differences disagree by more than 1e-3 + 5e-3·|d| is counted as at a kink and skipped — at most 3 % of them may be. Elsewhere
    /// the h/2 difference has truncation error (h/2)²/6·|L‴| ≈ 1e-6 and float rounding of the mean loss (≈ 3, summed over 64 pixels,
    /// 3e-7 absolute) over h of ≈ 2e-4, so 2e-3 + 1e-2·|d| holds a correct gradient; a wrong routing in any module errs by O(0.1) on
    /// many parameters at once (dropping the upsample's block sum, say, fails every decoder parameter below it).
    /// </summary>
    private const float H = 2e-3f;

    [Fact]
    public void EveryParameterGradientMatchesCentralDifferencesThroughTheWholeNetwork()
    {
        var spec = Networks.ConvAutoencoder(codeL1: 0.05f, height: Side, width: Side, loss: LossKind.SquaredError);
        using var network = spec.Build(backend, BatchIndices.Length);
        network.Initialize(11);
        var data = GradientCheck.Data(Rows, Side * Side);
        double Loss() => GradientCheck.ForwardBackward(backend, network, data, Side * Side, BatchIndices, 3, 1).Select(l => (double)l).Average();

        Loss();
        backend.Synchronize();
        var analytic = network.Body.Parameters.Select(p => (p.Name, p.Value, Gradient: p.Grad.ToArray())).ToList();
        Assert.Equal(["enc1.W", "enc1.b", "enc2.W", "enc2.b", "dec1.W", "dec1.b", "dec2.W", "dec2.b", "dec3.W", "dec3.b"], analytic.Select(a => a.Name));
        var failures = new List<string>();
        var (total, atKinks, nonzero) = (0, 0, 0);
        foreach (var (name, tensor, gradient) in analytic)
        {
            var values = tensor.ToArray();
            double Difference(int i, float h) => GradientCheck.TensorCentralDifference(tensor, values, i, h, Loss);

            for (var i = 0; i < values.Length; i++)
            {
                total++;
                var coarse = Difference(i, H);
                var numeric = Difference(i, H / 2);
                if (Math.Abs(coarse - numeric) > 1e-3 + 5e-3 * Math.Abs(numeric))
                {
                    atKinks++;
                    continue;
                }
                if (Math.Abs(gradient[i] - numeric) > 2e-3 + 1e-2 * Math.Abs(numeric))
                    failures.Add($"{name}[{i}]: backward {gradient[i]:G6}, differences {numeric:G6}");
                if (Math.Abs(numeric) > 1e-3)
                    nonzero++;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(atKinks <= total * 3 / 100, $"{atKinks} of {total} parameters sit at a kink: the check skips too many");
        Assert.True(nonzero > total / 4, $"only {nonzero} of {total} gradients are away from 0: the check proves too little");
    }

    [Fact]
    public void TheStudysNetworkHasItsShapesAndNames()
    {
        var spec = Networks.ConvAutoencoder();
        Assert.Equal(28 * 28, spec.Modules[0] is Conv2dSpec c ? c.Geometry.Inputs : 0);
        Assert.DoesNotContain(spec.Modules, m => m is ActivityL1Spec);
        var sparse = Networks.ConvAutoencoder(codeL1: 0.001f);
        Assert.Equal(Networks.ConvCodeWidth, Assert.Single(sparse.Modules.OfType<ActivityL1Spec>()).Width);
        var last = Assert.IsType<Conv2dSpec>(spec.Modules[^1]);
        Assert.Equal((8, 1, 28, 28, Activation.Sigmoid), (last.InChannels, last.OutChannels, last.Height, last.Width, last.Activation));
        Assert.Throws<ArgumentOutOfRangeException>(() => Networks.ConvAutoencoder(height: 6));
        // The study's λ‖w‖₁ sits beside a mean over 784 pixels; the engine's squared error is ½Σ over them, 392 times that, its
        // cross-entropy Σ over them, 784 times that: so is the optimizer's λ.
        Assert.Equal(0.392f, new ILGPUAE.Training.Cae.CaeOptions { WeightL1 = 0.001f, Loss = LossKind.SquaredError }.OptimizerOptions().WeightL1, 6);
        Assert.Equal(0.784f, new ILGPUAE.Training.Cae.CaeOptions { WeightL1 = 0.001f, Loss = LossKind.CrossEntropy }.OptimizerOptions().WeightL1, 6);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostConvAutoencoderGradientTests(HostFixture fixture) : ConvAutoencoderGradientTests(fixture.Backend);
