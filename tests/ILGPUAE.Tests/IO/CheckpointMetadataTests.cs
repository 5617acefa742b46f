namespace ILGPUAE.Tests.IO;

using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// Metadata values read back from a checkpoint are checked as a new run's options are: an enum given as a number, a value out
/// of range, a null, or a count past int's range is one line naming the file and the key, never a value the run then uses.
/// </summary>
public class CheckpointMetadataTests
{
    [Theory]
    [InlineData("loss", "7", "__metadata__.options is not valid options JSON")]
    [InlineData("loss", "\"7\"", "__metadata__.options is not valid options JSON")]
    [InlineData("activation", "5", "__metadata__.options is not valid options JSON")]
    [InlineData("test_limit", "-5", "__metadata__.options.test_limit -5: expected an integer ≥ 1")]
    [InlineData("epochs", "0", "__metadata__.options.epochs 0: expected an integer ≥ 1")]
    [InlineData("epochs", "4294967295", "__metadata__.options is not valid options JSON")]
    [InlineData("hidden", "-3", "__metadata__.options.hidden -3: expected an integer ≥ 1")]
    [InlineData("learning_rate", "0", "__metadata__.options.learning_rate 0: expected a finite number > 0")]
    [InlineData("optimizer", """{"kind":9}""", "__metadata__.options is not valid options JSON")]
    [InlineData("optimizer", "null", "__metadata__.options is not valid options JSON")]
    [InlineData("optimizer", """{"kind":"Adam","beta1":2}""", "__metadata__.options.beta1 2: expected β₁ in [0, 1)")]
    public void DaeOptionsOutOfRangeAreRefusedNamingTheFileAndKey(string key, string json, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        WriteDaeModel(path, options => options[key] = JsonNode.Parse(json));

        var error = Assert.Throws<InputException>(() => DaeCheckpoint.ReadModel(path));

        Assert.True(error.Message.StartsWith($"{path}: {expected}", StringComparison.Ordinal), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void AValidDaeModelStillLoads()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        WriteDaeModel(path, _ => { });
        Assert.Equal(2, DaeCheckpoint.ReadModel(path).Options.Hidden);
    }

    [Theory]
    [InlineData("layers", "4294967296", "__metadata__.layers is 4294967296, expected an integer in [0, 2147483647]")]
    [InlineData("visible", "4294967297", "__metadata__.visible is 4294967297, expected an integer in [0, 2147483647]")]
    [InlineData("visible", "0", "__metadata__.visible is 0, expected an integer ≥ 1")]
    [InlineData("options.hidden", "null", "__metadata__.options is not valid options JSON")]
    [InlineData("options.loss", "3", "__metadata__.options is not valid options JSON")]
    [InlineData("options.test_limit", "-5", "__metadata__.options.test_limit -5: expected an integer ≥ 1")]
    public void StackMetadataOutOfRangeIsRefused(string key, string value, string expected)
    {
        using var dir = new TempDirectory();
        var options = new StackOptions { Hidden = [2], Corruption = [0.1f], Epochs = 1 };
        new StackFile(options, 3, []).Write(dir.Path);
        var path = Path.Combine(dir.Path, StackFile.FileName);
        Rewrite(path, metadata =>
        {
            if (key.StartsWith("options.", StringComparison.Ordinal))
            {
                var json = JsonNode.Parse(metadata[DaeCheckpoint.OptionsKey])!.AsObject();
                json[key["options.".Length..]] = JsonNode.Parse(value);
                metadata[DaeCheckpoint.OptionsKey] = json.ToJsonString();
            }
            else
                metadata[key] = value;
        });

        var error = Assert.Throws<InputException>(() => StackFile.Read(path));

        Assert.True(error.Message.StartsWith($"{path}: {expected}", StringComparison.Ordinal), error.Message);
    }

    [Theory]
    [InlineData("architecture", "classes", "0", "__metadata__.architecture.classes 0: expected an integer ≥ 2")]
    [InlineData("architecture", "stack_hidden", "null", "__metadata__.architecture is not valid architecture JSON")]
    [InlineData("options", "max_epochs", "-1", "__metadata__.options.max_epochs -1: expected an integer ≥ 1")]
    [InlineData("options", "test_limit", "-5", "__metadata__.options.test_limit -5: expected an integer ≥ 1")]
    [InlineData("options", "optimizer", """{"kind":12}""", "__metadata__.options is not valid options JSON")]
    public void ClassifierMetadataOutOfRangeIsRefused(string key, string field, string value, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        var architecture = new ClassifierArchitecture(3, [2], [], 2);
        new SafeTensorsFile([], new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = ClassifierCheckpoint.Format,
            [ClassifierCheckpoint.ArchitectureKey] = Edit(JsonSerializer.Serialize(architecture, DaeCheckpoint.Json), key == "architecture" ? field : null, value),
            [DaeCheckpoint.OptionsKey] = Edit(JsonSerializer.Serialize(new FinetuneOptions(), DaeCheckpoint.Json), key == "options" ? field : null, value),
        }).Write(path);

        var error = Assert.Throws<InputException>(() => ClassifierCheckpoint.ReadModel(path));

        Assert.True(error.Message.StartsWith($"{path}: {expected}", StringComparison.Ordinal), error.Message);
    }

    private static string Edit(string json, string? field, string value)
    {
        if (field is null)
            return json;
        var node = JsonNode.Parse(json)!.AsObject();
        node[field] = JsonNode.Parse(value);
        return node.ToJsonString();
    }

    /// <summary>A tiny `train dae` model file (hidden 2, visible 3) whose options JSON <paramref name="edit"/> has changed.</summary>
    private static void WriteDaeModel(string path, Action<JsonObject> edit)
    {
        var options = JsonNode.Parse(JsonSerializer.Serialize(new DaeOptions { Hidden = 2, Epochs = 1 }, DaeCheckpoint.Json))!.AsObject();
        edit(options);
        new SafeTensorsFile(
            [new NamedTensor("W", [2, 3], new float[6]), new NamedTensor("b_hidden", [2], new float[2]), new NamedTensor("b_visible", [3], new float[3])],
            new Dictionary<string, string>
            {
                [DaeCheckpoint.FormatKey] = DaeCheckpoint.Format,
                [DaeCheckpoint.OptionsKey] = options.ToJsonString(),
                [DaeCheckpoint.EpochsKey] = "1",
            }).Write(path);
    }

    private static void Rewrite(string path, Action<Dictionary<string, string>> edit)
    {
        var file = SafeTensorsFile.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata);
        edit(metadata);
        new SafeTensorsFile(file.Tensors, metadata).Write(path);
    }
}
