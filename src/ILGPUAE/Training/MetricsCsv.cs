namespace ILGPUAE.Training;

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ILGPUAE.IO;

/// <summary>
/// metrics.csv: the epochs of a run's metrics.json as one table, one row per epoch, so that a spreadsheet or pandas reads a run
/// without code. The columns are the epoch record's fields as metrics.json names them, in its order, fixed by the record's type
/// (a field that is null in one epoch is an empty cell, not a missing column). A run whose epochs sit inside parts (`pretrain`'s
/// <c>layers</c>, `train deep`'s <c>phases</c>) gets the part's scalar fields first, prefixed by the part's name in the singular
/// ("layer", "layer_hidden", "phase_name"), so that every row says where it belongs. Cells hold what metrics.json holds: numbers as
/// written there (round-trip), true/false, strings bare, arrays and objects as compact JSON. The file is rewritten whole with
/// metrics.json, in the same commit.
/// </summary>
public static class MetricsCsv
{
    public const string FileName = "metrics.csv";

    private const string EpochsName = "epochs";

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The CSV text of <paramref name="metrics"/> (header and one line per epoch, each ending in '\n') as <paramref name="json"/> serializes it.</summary>
    public static string Format<T>(T metrics, JsonSerializerOptions json) where T : notnull
    {
        var root = JsonSerializer.SerializeToElement(metrics, json);
        var info = json.GetTypeInfo(metrics.GetType());
        var text = new StringBuilder();
        if (ListProperty(info, EpochsName) is { } epochs)
        {
            var columns = Columns(json, epochs.Element);
            text.Append(CsvLine.Format(columns.Select(c => c.Name))).Append('\n');
            foreach (var row in Items(root, epochs.Property))
                text.Append(CsvLine.Format(columns.Select(c => Cell(row, c.Name)))).Append('\n');
            return text.ToString();
        }
        // Epochs inside parts: the one list property whose element has an epochs list.
        var parts = new List<((string Property, Type Element) List, (string Property, Type Element) Epochs)>();
        foreach (var property in info.Properties)
            if (ListProperty(info, property.Name) is { } list && ListProperty(json.GetTypeInfo(list.Element), EpochsName) is { } inner)
                parts.Add((list, inner));
        if (parts.Count != 1)
            throw new InvalidOperationException($"{metrics.GetType().Name} has no '{EpochsName}' list, nor one list of parts that have one");
        var (part, partEpochs) = parts[0];
        var epochColumns = Columns(json, partEpochs.Element);
        var singular = part.Property.TrimEnd('s');
        var partColumns = Columns(json, part.Element)
            .Where(c => c.Name != EpochsName)
            .Select(c => (Column: c.Name == singular
                    ? epochColumns.Any(e => e.Name == singular) ? $"{singular}_number" : singular
                    : $"{singular}_{c.Name}", Field: c.Name))
            .ToList();
        text.Append(CsvLine.Format(partColumns.Select(c => c.Column).Concat(epochColumns.Select(c => c.Name)))).Append('\n');
        foreach (var p in Items(root, part.Property))
            foreach (var row in Items(p, partEpochs.Property))
                text.Append(CsvLine.Format(partColumns.Select(c => Cell(p, c.Field)).Concat(epochColumns.Select(c => Cell(row, c.Name))))).Append('\n');
        return text.ToString();
    }

    /// <summary>The JSON name and element type of <paramref name="info"/>'s list property named <paramref name="name"/>, if it has one.</summary>
    private static (string Property, Type Element)? ListProperty(JsonTypeInfo info, string name)
    {
        var property = info.Properties.FirstOrDefault(p => p.Name == name);
        if (property is null || property.PropertyType == typeof(string))
            return null;
        var element = property.PropertyType.GetInterfaces().Append(property.PropertyType)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
        return element is null || element.IsPrimitive ? null : (property.Name, element);
    }

    private static List<JsonPropertyInfo> Columns(JsonSerializerOptions json, Type type) => [.. json.GetTypeInfo(type).Properties];

    private static IEnumerable<JsonElement> Items(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    private static string Cell(JsonElement row, string name)
    {
        if (!row.TryGetProperty(name, out var value))
            return "";
        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => JsonSerializer.Serialize(value),
        };
    }
}
