namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Export;

[Verb("onnx", HelpText = "Write a trained model as a standard ONNX model (opset 17, input 'input' with a dynamic 'batch' dimension) for ONNX Runtime and other tools: its encoder (default), the whole autoencoder, or the classifier. A module with no ONNX equivalent (train anamo's smooth step) is refused, naming it.")]
public sealed class ExportOnnxOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors) of any training verb.")]
    public string Model { get; set; } = "";

    [Option("part", Default = OnnxPart.Encoder, HelpText = "encoder: the modules up to the code (output 'code'; a classifier's layers below its softmax); autoencoder: input → 'reconstruction'; classifier: input → 'probabilities'.")]
    public OnnxPart Part { get; set; }

    [Option("out", HelpText = "The .onnx file to write (default: encoder.onnx, autoencoder.onnx or classifier.onnx beside the model).")]
    public string? Out { get; set; }
}

/// <summary>`export onnx`: <see cref="OnnxExport.Run"/>, printed.</summary>
public static class ExportOnnxVerb
{
    public static int Run(ExportOnnxOptions o)
    {
        var r = OnnxExport.Run(new OnnxExportRequest(o.Model, o.Part, o.Out));
        Console.WriteLine($"model {r.Model} ({r.Kind ?? "no format"}): the {OnnxExporter.Name(r.Part)}, {r.Input} → {r.Output}");
        Console.WriteLine($"wrote {r.Path}: ONNX opset {OnnxExporter.Opset}, {r.Operators.Count} nodes ({string.Join(", ", r.Operators)})");
        return CliApp.Ok;
    }
}
