namespace ILGPUAE.Export;

using Google.Protobuf;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Training;

/// <summary>What `export onnx` writes: which part of which model file (or run directory), where.</summary>
/// <param name="Out">The .onnx file to write; null: <see cref="OnnxExport.DefaultFileName"/> beside the model file.</param>
public sealed record OnnxExportRequest(string Model, OnnxPart Part = OnnxPart.Encoder, string? Out = null);

/// <summary>What was written: the model file and its run kind, the part, the ONNX file, its input and output shapes and its operators in order.</summary>
public sealed record OnnxExportResult(string Model, string? Kind, OnnxPart Part, string Path, string Input, string Output, IReadOnlyList<string> Operators);

/// <summary>
/// `export onnx`: reads a model file of any run kind the way every verb does (<see cref="Checkpoint.ModelPath"/>,
/// <see cref="Checkpoint.SpecOf"/>, <see cref="Checkpoint.ParameterValues"/>: each tensor's shape checked and its values finite), builds
/// the ONNX model (<see cref="OnnxExporter.Build"/>) and writes it atomically. Every check comes before the write: a refused request
/// writes nothing.
/// </summary>
public static class OnnxExport
{
    /// <summary>"encoder.onnx", "autoencoder.onnx", "classifier.onnx".</summary>
    public static string DefaultFileName(OnnxPart part) => $"{OnnxExporter.Name(part)}.onnx";

    public static OnnxExportResult Run(OnnxExportRequest request)
    {
        if (!Enum.IsDefined(request.Part))
            throw InputException.ForSetting("part", request.Part, "encoder, autoencoder or classifier");
        var given = request.Out is null ? null : CheckOut(request.Out);
        var path = Checkpoint.ModelPath(request.Model);
        var outPath = given ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, DefaultFileName(request.Part));
        var file = SafeTensorsFile.Read(path);
        var kind = RunKind(file);
        var model = OnnxExporter.Build(Checkpoint.SpecOf(path, file), request.Part, (name, shape) => Checkpoint.ParameterValues(path, file, name, shape), path, kind);
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        AtomicFile.WriteAllBytes(outPath, model.ToByteArray());
        var graph = model.Graph;
        return new OnnxExportResult(path, kind, request.Part, outPath, Shape(graph.Input[0]), Shape(graph.Output[0]), [.. graph.Node.Select(n => n.OpType)]);
    }

    /// <summary>The file's format ("ilgpuae.tied-dae", "ilgpuae.cae" …), with the verb that trained it when another wrote it in that format (train ga).</summary>
    private static string? RunKind(SafeTensorsFile file)
    {
        file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        return file.Metadata.TryGetValue("trained_by", out var by) && by != format ? $"{format} (trained by {by})" : format;
    }

    /// <summary>The full path of <paramref name="given"/>, checked to be usable as a file's path (not empty, not a directory, not under a file).</summary>
    private static string CheckOut(string given)
    {
        InputPath.NotEmpty(given, "out");
        if (Directory.Exists(given))
            throw InputException.AboutSetting("out", $"out {given}: is a directory; expected the path of the .onnx file to write");
        var full = Path.GetFullPath(given);
        OutputDirectory.CheckPath(Path.GetDirectoryName(full)!, "out");
        return full;
    }

    /// <summary>"input [batch, 784]".</summary>
    private static string Shape(Onnx.ValueInfoProto value) =>
        $"{value.Name} [{string.Join(", ", value.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}
