namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Random;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.IO;

/// <summary>
/// Model files as a loop over named parameters with the architecture in __metadata__: a network is rebuilt from its file
/// alone, and the files `train dae` and `finetune` wrote before the architecture was saved (the golden checkpoints,
/// recorded at 627d4a0) still load.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CheckpointTests(HostFixture fixture)
{
    private IBackend Backend => fixture.Backend;

    [Fact]
    public void ANetworkIsRebuiltFromItsFileAlone()
    {
        using var dir = new TempDirectory();
        var spec = Networks.Classifier(new ClassifierArchitecture(12, [7], [5], 3), corruption: 0.2f, firstTrained: 1);
        using var saved = spec.Build(Backend, 4);
        uint draw = 0;
        foreach (var p in saved.Body.Parameters)
            p.Value.CopyFrom(Enumerable.Range(0, p.Value.Length).Select(_ => (float)CounterRng.Uniform(3, 4, draw++, 0, 0)).ToArray());
        Checkpoint.Save(dir.File("model.safetensors"), saved, new Dictionary<string, string> { ["note"] = "kept" });

        using var loaded = Checkpoint.Load(dir.File("model.safetensors"), Backend, 2);
        Assert.Equal(spec.ToJson(), loaded.Spec!.ToJson());
        Assert.Equal(spec.Modules, loaded.Spec.Modules);
        Assert.Equal(spec.Objective, loaded.Spec.Objective);
        Assert.Equal(2, loaded.Body.FirstTrained);
        Assert.Equal(saved.Body.Parameters.Select(p => p.Name), loaded.Body.Parameters.Select(p => p.Name));
        foreach (var (a, b) in saved.Body.Parameters.Zip(loaded.Body.Parameters))
            Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        var file = SafeTensorsFile.Read(dir.File("model.safetensors"));
        Assert.Equal("kept", file.Metadata["note"]);
        Assert.Contains("\"kind\":\"tied_dense\"", Checkpoint.SpecOf("x", new SafeTensorsFile([], new Dictionary<string, string>
        {
            [Checkpoint.NetworkKey] = Networks.TiedDae(10, 4, 0.1f, LossKind.CrossEntropy).ToJson(),
        })).ToJson());
    }

    [Fact]
    public void ATiedDecoderSharesItsEncodersWeightsAfterLoading()
    {
        using var dir = new TempDirectory();
        using var saved = Networks.TiedDae(6, 3, 0.1f, LossKind.SquaredError).Build(Backend, 1);
        Checkpoint.Save(dir.File("m.safetensors"), saved);
        Assert.Equal(["W", "b_hidden", "b_visible"], SpecSafeTensors.Read(dir.File("m.safetensors")).Order);
        using var loaded = Checkpoint.Load(dir.File("m.safetensors"), Backend, 1);
        var decoder = Assert.IsType<TiedDense>(loaded.Body.Modules[2]);
        Assert.Same(loaded.Body.Modules[1], decoder.Encoder);
    }

    [Theory]
    [InlineData("host-dae-b1.safetensors", new[] { "W", "b_hidden", "b_visible" })]
    [InlineData("host-finetune.safetensors", new[] { "layer0.W", "layer0.b_hidden", "layer1.W", "layer1.b_hidden", "mlp0.W", "mlp0.b", "mlp1.W", "mlp1.b" })]
    public void FilesWrittenBeforeTheArchitectureWasSavedStillLoad(string golden, string[] names)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "data", golden);
        var expected = SpecSafeTensors.Read(path);
        Assert.DoesNotContain(Checkpoint.NetworkKey, expected.Metadata.Keys);
        using var network = Checkpoint.Load(path, Backend, 3);
        Assert.Equal(names, network.Body.Parameters.Select(p => p.Name));
        foreach (var p in network.Body.Parameters)
            Assert.Equal(expected.Tensors[p.Name].Data, p.Value.ToArray());
    }

    [Fact]
    public void TrainDaeWritesTheArchitectureItsModelIsRebuiltFrom()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("train", "dae", "--hidden", "8", "--epochs", "1", "--train-limit", "50", "--test-limit", "20", "--corruption", "0.3",
            "--loss", "xent", "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var path = dir.File("run/model.safetensors");
        var file = SafeTensorsFile.Read(path);
        Assert.Contains(Checkpoint.NetworkKey, file.Metadata.Keys);
        Assert.Equal(Networks.TiedDae(784, 8, 0.3f, LossKind.CrossEntropy).ToJson(), Checkpoint.SpecOf(path, file).ToJson());
        using var network = Checkpoint.Load(path, Backend, 2);
        var saved = SpecSafeTensors.Read(path);
        foreach (var p in network.Body.Parameters)
            Assert.Equal(saved.Tensors[p.Name].Data, p.Value.ToArray());
    }

    [Fact]
    public void AFileOfAnotherFormatIsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("other.safetensors");
        new SafeTensorsFile([new NamedTensor("x", [1], [1f])], new Dictionary<string, string> { ["format"] = "something" }).Write(path);
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(path, Backend, 1));
        Assert.Contains(path, e.Message);
        Assert.Contains("something", e.Message);
    }
}
