namespace ILGPUAE.IO;

using System.Text;

/// <summary>One line of a rows file after its header: its fields and its 1-based line number (for messages).</summary>
public sealed record CsvRow(List<string> Fields, int Line);

/// <summary>
/// A CSV file that a long job appends to as its results finish (a sweep's rows): a header line, then one line per result, each
/// appended and flushed to disk as it finishes, so a killed job loses at most the result it was working on. Every line ends with
/// '\n'; a last line without it is what a kill during the append left, and is dropped (and cut off the file before the next append).
/// </summary>
public static class CsvRowsFile
{
    /// <summary>
    /// The complete lines of <paramref name="path"/> (absolute) after its header, and the byte length of its complete lines; a torn last
    /// line is reported to <paramref name="note"/> and left out. A missing file, a header other than <paramref name="headerLine"/>, text
    /// that is not UTF-8 or a line whose quotes do not pair up is an <see cref="InputException"/> naming the file (and the line);
    /// <paramref name="what"/> names what the file should be ("the rows.csv a sweep writes").
    /// </summary>
    public static (List<CsvRow> Rows, long CompleteBytes) Read(string path, string headerLine, string what, Action<string> note)
    {
        var bytes = InputFile.ReadAllBytes(path);
        var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (complete < bytes.Length)
            note($"{path}: dropped a torn last line ({bytes.Length - complete} bytes without a line ending, left by a killed run)");
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, complete);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputException($"{path}: not UTF-8 text; expected {what}", e);
        }
        var rows = new List<CsvRow>();
        var lines = text.Split('\n');
        // The split leaves "" after the last '\n'.
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (i == 0)
            {
                if (line != headerLine)
                    throw new InputException($"{path} line 1: header '{Shorten(line)}'; expected '{headerLine}'");
                continue;
            }
            var fields = CsvLine.Parse(line) ?? throw new InputException($"{path} line {i + 1}: unpaired quotes; expected {what}");
            rows.Add(new CsvRow(fields, i + 1));
        }
        return (rows, complete);
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";

    /// <summary>
    /// Appends rows to a rows file, each line flushed to disk before <see cref="Append"/> returns. Opening creates the file with
    /// its header, or cuts a torn last line off an existing one.
    /// </summary>
    public sealed class Appender : IDisposable
    {
        private readonly FileStream stream;

        /// <param name="completeBytes">The length of the file's complete lines (from <see cref="Read"/>; 0 for a new file).</param>
        public Appender(string path, long completeBytes, string headerLine)
        {
            Path = path;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
                if (stream.Length != completeBytes)
                    stream.SetLength(completeBytes);
                stream.Seek(0, SeekOrigin.End);
                if (completeBytes == 0)
                    WriteLine(headerLine);
            }
            catch (Exception e) when (FileFaultException.Of(e, path) is { } fault)
            {
                stream?.Dispose();
                throw fault;
            }
        }

        public string Path { get; }

        public void Append(IEnumerable<string> fields) => WriteLine(CsvLine.Format(fields));

        private void WriteLine(string line)
        {
            try
            {
                // One write per line, so a kill leaves at most one line without its '\n'.
                stream.Write(AtomicFile.Utf8.GetBytes(line + "\n"));
                stream.Flush(flushToDisk: true);
            }
            catch (Exception e) when (FileFaultException.Of(e, Path) is { } fault)
            {
                throw fault;
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
