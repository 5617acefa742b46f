namespace ILGPUAE.IO;

using System.Text;

/// <summary>
/// One line of a comma-separated file as RFC 4180 writes it: a field holding a comma or a double quote is quoted, with its
/// quotes doubled. Fields never hold a line break, so that one line is one record and a torn last line can be told apart.
/// </summary>
public static class CsvLine
{
    /// <summary>The fields joined into one line, without its line ending; a field with a control character is refused.</summary>
    public static string Format(IEnumerable<string> fields)
    {
        var line = new StringBuilder();
        var first = true;
        foreach (var field in fields)
        {
            if (field.Any(char.IsControl))
                throw new ArgumentException($"a CSV field may not hold a control character: '{field.ReplaceLineEndings(" ")}'", nameof(fields));
            if (!first)
                line.Append(',');
            first = false;
            if (field.Contains(',') || field.Contains('"'))
                line.Append('"').Append(field.Replace("\"", "\"\"")).Append('"');
            else
                line.Append(field);
        }
        return line.ToString();
    }

    /// <summary>The fields of <paramref name="line"/> (no line ending), or null when its quotes do not pair up.</summary>
    public static List<string>? Parse(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                        return null;
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                    return null;
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                        return null;
                    field.Append(line[i++]);
                }
            }
            fields.Add(field.ToString());
            field.Clear();
            if (i >= line.Length)
                return fields;
            i++; // the comma
        }
    }
}
