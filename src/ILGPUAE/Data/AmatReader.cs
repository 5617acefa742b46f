using System.Globalization;
using System.Text;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>
/// Reads the published <c>.amat</c> files of Larochelle et al. 2007's benchmark sets (mnist_background_random_train.amat,
/// rectangles_test.amat, convex_train.amat, …): one example per line, 784 pixel values of a 28 × 28 image row-major in [0, 1],
/// then the label, written as a float ("3.000000e+00"), separated by spaces or tabs. The published train file holds train then
/// valid: its last <see cref="IVariationGenerator.Sizes"/>.Valid rows (2000, 200 for rect) are the validation set.
/// <para>It trusts nothing: a line of the wrong number of values, a value that is not a number, not finite or outside [0, 1], a
/// label that is not an integer in 0 … classes − 1, a line longer than <see cref="MaxLineBytes"/>, a blank line followed by
/// more rows, an empty file, and (when a count is expected) too many or too few rows are each one <see cref="InputException"/>
/// naming the file, the line, the column (1-based bytes within the line) and the expected value. Accepted: CRLF line ends, a
/// UTF-8 byte-order mark at the start (columns are counted after it), blank lines at the end, any float syntax .NET reads
/// in the invariant culture (scientific notation included).</para>
/// </summary>
public static class AmatReader
{
    private const int Side = Mnist.Side;

    /// <summary>Values per line: 784 pixels, then the label.</summary>
    public const int ValuesPerLine = Side * Side + 1;

    /// <summary>
    /// The longest line read: 785 values of up to 80 bytes each with their separators (the published files write 24-byte
    /// values), so a file without line breaks is refused after 62800 bytes, not read whole.
    /// </summary>
    public const int MaxLineBytes = ValuesPerLine * 80;

    /// <summary>How much of a bad value a message quotes.</summary>
    private const int QuotedBytes = 32;

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Sign, decimals, exponent; no white space (the line's separators are spaces and tabs only), no thousands, no hex.</summary>
    private const NumberStyles Number = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>
    /// Reads the published train file of <paramref name="set"/>: train then valid, <see cref="IVariationGenerator.Sizes"/>
    /// Train + Valid rows exactly, labels below <see cref="IVariationGenerator.Classes"/>. <see cref="SplitTrain"/> or
    /// <see cref="DatasetSplits"/> with Sizes.Valid holds the validation tail out.
    /// </summary>
    public static Dataset ReadTrainFile(string path, IVariationGenerator set) =>
        Read(path, $"{set.Name} (.amat train)", set.Classes, set.Sizes.Train + set.Sizes.Valid);

    /// <summary>Reads the published test file of <paramref name="set"/>: Sizes.Test rows exactly.</summary>
    public static Dataset ReadTestFile(string path, IVariationGenerator set) =>
        Read(path, $"{set.Name} (.amat test)", set.Classes, set.Sizes.Test);

    /// <summary>
    /// Splits a published train file of <paramref name="set"/> into its train rows and the validation set, its last
    /// Sizes.Valid rows (2000; 200 for rect). A file with no more rows than that is an <see cref="InputException"/>.
    /// </summary>
    public static (Dataset Train, Dataset Valid) SplitTrain(Dataset trainFile, IVariationGenerator set)
    {
        var valid = set.Sizes.Valid;
        if (trainFile.Count <= valid)
            throw new InputException(
                $"{trainFile.Name}: has {trainFile.Count} rows, expected more than {valid} ({set.Name}'s last {valid} rows are its validation set)");
        var train = trainFile.Count - valid;
        return (trainFile.Range(0, train, $"{set.Name} train"), trainFile.Range(train, valid, $"{set.Name} valid"));
    }

    /// <summary>
    /// Reads an <c>.amat</c> file of 28 × 28 images with labels 0 … <paramref name="classes"/> − 1, named <paramref name="name"/>;
    /// with <paramref name="expectedCount"/>, the file must hold exactly that many rows.
    /// </summary>
    public static Dataset Read(string path, string name, int classes, int? expectedCount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        if (expectedCount is { } n)
            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(expectedCount));
        var fullPath = InputFile.FullPath(path);
        return InputFile.Read(fullPath, stream => new Parser(fullPath, name, classes, expectedCount).Parse(stream));
    }

    private sealed class Parser(string fullPath, string name, int classes, int? expectedCount)
    {
        private readonly int maxRows = expectedCount ?? Array.MaxLength / (ValuesPerLine - 1);
        private float[] pixels = new float[(ValuesPerLine - 1) * Math.Min(expectedCount ?? 1024, 1 << 16)];
        private byte[] labels = new byte[Math.Min(expectedCount ?? 1024, 1 << 16)];
        private int rows;
        private long lineNumber;
        private long blankLine; // the first blank line seen, 0 if none: only more blank lines may follow it

        public Dataset Parse(Stream stream)
        {
            // Lines are cut out of a block buffer; a line that has not ended within MaxLineBytes is refused before more is read.
            var buffer = new byte[Math.Max(1 << 20, 2 * (MaxLineBytes + 2))];
            int start = 0, end = 0;
            var atEnd = false;
            var first = true;
            while (true)
            {
                var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (newline < 0 && !atEnd)
                {
                    // Room for a byte-order mark and a carriage return besides; the exact limit is checked below.
                    if (end - start > MaxLineBytes + Bom.Length + 1)
                        throw Error(lineNumber + 1, MaxLineBytes + 1, $"line is longer than {MaxLineBytes} bytes, expected {ValuesPerLine} values per line");
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    var read = stream.Read(buffer, end, buffer.Length - end);
                    if (read == 0)
                        atEnd = true;
                    end += read;
                    continue;
                }
                var lineEnd = newline < 0 ? end : start + newline;
                if (newline < 0 && lineEnd == start)
                    break; // the file ended with a line break (or is empty)
                var line = buffer.AsSpan(start, lineEnd - start);
                if (first && line.StartsWith(Bom))
                    line = line[Bom.Length..];
                first = false;
                if (line.EndsWith((byte)'\r'))
                    line = line[..^1];
                if (line.Length > MaxLineBytes)
                    throw Error(lineNumber + 1, MaxLineBytes + 1, $"line is longer than {MaxLineBytes} bytes, expected {ValuesPerLine} values per line");
                lineNumber++;
                ParseLine(line);
                if (newline < 0)
                    break;
                start = lineEnd + 1;
            }
            if (rows == 0)
                throw new InputException($"{fullPath}: holds no rows, expected lines of {ValuesPerLine - 1} pixel values in [0, 1] then a label");
            if (expectedCount is { } count && rows != count)
                throw new InputException($"{fullPath}: holds {rows} rows, expected {count}");
            var features = ValuesPerLine - 1;
            return new Dataset(name, rows, Side, Side,
                pixels.Length == rows * features ? pixels : pixels[..(rows * features)],
                labels.Length == rows ? labels : labels[..rows]);
        }

        private void ParseLine(ReadOnlySpan<byte> line)
        {
            if (line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0)
            {
                if (blankLine == 0)
                    blankLine = lineNumber;
                return;
            }
            if (blankLine != 0)
                throw Error(blankLine, 1, $"line is blank but line {lineNumber} holds a row; expected {ValuesPerLine} values per line, blank lines only at the end");
            if (rows == maxRows)
                throw Error(lineNumber, 1, $"row {rows + 1} is one too many, expected {maxRows} rows");

            // Count first, so a line with a value missing says so rather than what its label would be.
            var values = 0;
            var extraColumn = 0;
            for (var i = 0; i < line.Length;)
            {
                if (line[i] is (byte)' ' or (byte)'\t')
                {
                    i++;
                    continue;
                }
                values++;
                if (values == ValuesPerLine + 1)
                    extraColumn = i + 1;
                while (i < line.Length && line[i] is not ((byte)' ' or (byte)'\t'))
                    i++;
            }
            if (values != ValuesPerLine)
            {
                throw Error(lineNumber, values > ValuesPerLine ? extraColumn : line.Length + 1,
                    $"has {values} values, expected {ValuesPerLine} ({ValuesPerLine - 1} pixel values in [0, 1], then the label)");
            }

            EnsureCapacity();
            var target = pixels.AsSpan(rows * (ValuesPerLine - 1), ValuesPerLine - 1);
            var index = 0;
            for (var i = 0; i < line.Length;)
            {
                if (line[i] is (byte)' ' or (byte)'\t')
                {
                    i++;
                    continue;
                }
                var tokenStart = i;
                while (i < line.Length && line[i] is not ((byte)' ' or (byte)'\t'))
                    i++;
                var token = line[tokenStart..i];
                var isLabel = index == ValuesPerLine - 1;
                var expected = isLabel ? $"an integer label 0 to {classes - 1}" : "a pixel value in [0, 1]";
                var where = isLabel ? "label" : $"pixel {index + 1}";
                if (!double.TryParse(token, Number, CultureInfo.InvariantCulture, out var value))
                    throw Error(lineNumber, tokenStart + 1, $"{where} '{Quote(token)}' is not a number, expected {expected}");
                if (!double.IsFinite(value))
                    throw Error(lineNumber, tokenStart + 1, $"{where} '{Quote(token)}' is not finite, expected {expected}");
                if (isLabel)
                {
                    if (value != Math.Floor(value) || value < 0 || value >= classes)
                        throw Error(lineNumber, tokenStart + 1, $"label '{Quote(token)}' is not one of 0 … {classes - 1}, expected {expected}");
                    labels[rows] = (byte)value;
                }
                else
                {
                    if (value is < 0 or > 1)
                        throw Error(lineNumber, tokenStart + 1, $"{where} '{Quote(token)}' is outside [0, 1], expected {expected}");
                    target[index] = value == 0 ? 0f : (float)value; // -0 read as 0
                }
                index++;
            }
            rows++;
        }

        private void EnsureCapacity()
        {
            if (rows < labels.Length)
                return;
            var capacity = (int)Math.Min((long)labels.Length * 2, maxRows);
            Array.Resize(ref labels, capacity);
            Array.Resize(ref pixels, capacity * (ValuesPerLine - 1));
        }

        private InputException Error(long line, int column, string message) =>
            new($"{fullPath}: line {line}, column {column}: {message}");

        /// <summary>The first bytes of a bad value as printable ASCII, others as \xNN, so the message stays one readable line.</summary>
        private static string Quote(ReadOnlySpan<byte> token)
        {
            var text = new StringBuilder();
            foreach (var b in token[..Math.Min(token.Length, QuotedBytes)])
                text.Append(b is >= 0x20 and < 0x7F and not (byte)'\'' ? (char)b : $"\\x{b:X2}");
            if (token.Length > QuotedBytes)
                text.Append('…');
            return text.ToString();
        }
    }
}
