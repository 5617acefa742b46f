namespace ILGPUAE.Tests.Data;

using System.Globalization;
using System.Text;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

public class AmatReaderTests
{
    /// <summary>Pixel p of row r: a tenth in 0 … 1.</summary>
    private static double Pixel(int row, int p) => (row * 31 + p * 7) % 11 / 10.0;

    /// <summary>The published files' style: "5.000000e-01", separated by single spaces.</summary>
    private static string Format(double value) => value.ToString("0.000000e+00", CultureInfo.InvariantCulture);

    private static string[] Values(int row, int label) =>
        [.. Enumerable.Range(0, 784).Select(p => Format(Pixel(row, p))), Format(label)];

    private static string Line(int row, int label, string separator = " ") => string.Join(separator, Values(row, label));

    private static string Rows(params int[] labels) => string.Concat(labels.Select((label, row) => Line(row, label) + "\n"));

    private static string Write(TempDirectory dir, string content) => WriteBytes(dir, Encoding.UTF8.GetBytes(content));

    private static string WriteBytes(TempDirectory dir, byte[] content)
    {
        var path = dir.File("set.amat");
        File.WriteAllBytes(path, content);
        return path;
    }

    private static void AssertRows(Dataset data, params int[] labels)
    {
        Assert.Equal((labels.Length, 28, 28), (data.Count, data.Rows, data.Cols));
        Assert.Equal(labels.Select(l => (byte)l), data.Labels);
        for (var r = 0; r < labels.Length; r++)
            for (var p = 0; p < 784; p++)
                Assert.Equal((float)Pixel(r, p), data.Pixels[r * 784 + p]);
    }

    [Fact]
    public void ReadsPixelsAndLabelsWrittenInScientificNotation()
    {
        using var dir = new TempDirectory();
        var data = AmatReader.Read(Write(dir, Rows(3, 0, 9)), "digits", classes: 10);
        Assert.Equal("digits", data.Name);
        AssertRows(data, 3, 0, 9);
    }

    [Theory]
    [InlineData("crlf")]
    [InlineData("no-final-newline")]
    [InlineData("trailing-blank-lines")]
    [InlineData("bom")]
    [InlineData("tabs-and-runs-of-spaces")]
    [InlineData("plain-decimals")]
    public void AcceptsTheWaysAValidFileIsWritten(string variant)
    {
        var lines = new[] { Line(0, 1), Line(1, 0) };
        var content = variant switch
        {
            "crlf" => string.Concat(lines.Select(l => l + "\r\n")),
            "no-final-newline" => string.Join("\n", lines),
            "trailing-blank-lines" => string.Concat(lines.Select(l => l + "\n")) + "\n \t\r\n\n",
            "bom" => "\uFEFF" + string.Concat(lines.Select(l => l + "\n")),
            "tabs-and-runs-of-spaces" => string.Concat(new[] { 0, 1 }.Select(r => "  " + string.Join(r == 0 ? "\t" : "   ", Values(r, 1 - r)) + " \t\n")),
            "plain-decimals" => string.Concat(new[] { 0, 1 }.Select(r =>
                string.Join(' ', Enumerable.Range(0, 784).Select(p => Pixel(r, p).ToString(CultureInfo.InvariantCulture)).Append($"{1 - r}")) + "\n")),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        using var dir = new TempDirectory();
        AssertRows(AmatReader.Read(Write(dir, content), "rect", classes: 2), 1, 0);
    }

    /// <summary>A two-row file whose row 2 has <paramref name="index"/> (0-based; 784 is the label) replaced by <paramref name="value"/>.</summary>
    private static (string Content, int Column) WithValue(int index, string value)
    {
        var values = Values(1, 1);
        values[index] = value;
        var line = string.Join(' ', values);
        return (Line(0, 0) + "\n" + line + "\n", values.Take(index).Sum(v => v.Length + 1) + 1);
    }

    public static TheoryData<string, int, string> BadValues => new()
    {
        { "abc", 4, "pixel 5 'abc' is not a number, expected a pixel value in [0, 1]" },
        { "0,5", 0, "pixel 1 '0,5' is not a number, expected a pixel value in [0, 1]" },
        { "0x1", 0, "pixel 1 '0x1' is not a number, expected a pixel value in [0, 1]" },
        { "NaN", 0, "pixel 1 'NaN' is not finite, expected a pixel value in [0, 1]" },
        { "1e999", 783, "pixel 784 '1e999' is not finite, expected a pixel value in [0, 1]" },
        { "-Infinity", 10, "pixel 11 '-Infinity' is not finite, expected a pixel value in [0, 1]" },
        { "1.5", 20, "pixel 21 '1.5' is outside [0, 1], expected a pixel value in [0, 1]" },
        { "-1.000000e-01", 20, "pixel 21 '-1.000000e-01' is outside [0, 1], expected a pixel value in [0, 1]" },
        { "2.500000e+00", 784, "label '2.500000e+00' is not one of 0 … 9, expected an integer label 0 to 9" },
        { "-1", 784, "label '-1' is not one of 0 … 9, expected an integer label 0 to 9" },
        { "1.000000e+01", 784, "label '1.000000e+01' is not one of 0 … 9, expected an integer label 0 to 9" },
        { "Infinity", 784, "label 'Infinity' is not finite, expected an integer label 0 to 9" },
        { "0\u00ff\u0007", 3, "pixel 4 '0\\xC3\\xBF\\x07' is not a number, expected a pixel value in [0, 1]" },
        { new string('7', 40), 3, $"pixel 4 '{new string('7', 32)}…' is outside [0, 1], expected a pixel value in [0, 1]" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void ABadValueIsOneLineNamingFileLineColumnAndTheExpectedValue(string value, int index, string expected)
    {
        using var dir = new TempDirectory();
        var (content, column) = WithValue(index, value);
        var path = Write(dir, content);
        var error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: line 2, column {column}: {expected}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ALineWithAValueMissingOrOneTooManySaysHowMany()
    {
        using var dir = new TempDirectory();
        var shortLine = string.Join(' ', Values(1, 1).Skip(1));
        var path = Write(dir, Line(0, 0) + "\n" + shortLine + "\r\n");
        var error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: line 2, column {shortLine.Length + 1}: has 784 values, expected 785 (784 pixel values in [0, 1], then the label)", error.Message);

        var longLine = Line(0, 0) + " 0 1";
        path = Write(dir, longLine + "\n");
        error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: line 1, column {Line(0, 0).Length + 2}: has 787 values, expected 785 (784 pixel values in [0, 1], then the label)", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n  \n")]
    [InlineData("\uFEFF")]
    public void AFileWithoutRowsIsRefused(string content)
    {
        using var dir = new TempDirectory();
        var path = Write(dir, content);
        var error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: holds no rows, expected lines of 784 pixel values in [0, 1] then a label", error.Message);
    }

    [Fact]
    public void ABlankLineBeforeMoreRowsIsRefused()
    {
        using var dir = new TempDirectory();
        var path = Write(dir, Line(0, 0) + "\n\n" + Line(1, 1) + "\n");
        var error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: line 2, column 1: line is blank but line 3 holds a row; expected 785 values per line, blank lines only at the end", error.Message);
    }

    [Fact]
    public void AGiganticLineIsRefusedWithoutReadingItWhole()
    {
        using var dir = new TempDirectory();
        // 8 MiB of digits and spaces, no line break: refused once the first 62800 bytes have not ended.
        var content = new byte[8 << 20];
        for (var i = 0; i < content.Length; i++)
            content[i] = i % 2 == 0 ? (byte)'0' : (byte)' ';
        var path = WriteBytes(dir, [.. Encoding.UTF8.GetBytes(Line(0, 0) + "\n"), .. content]);
        var error = Assert.Throws<InputException>(() => AmatReader.Read(path, "digits", classes: 10));
        Assert.Equal($"{path}: line 2, column {AmatReader.MaxLineBytes + 1}: line is longer than {AmatReader.MaxLineBytes} bytes, expected 785 values per line", error.Message);
    }

    [Fact]
    public void AnExpectedCountIsHeldToExactly()
    {
        using var dir = new TempDirectory();
        var path = Write(dir, Rows(1, 0));
        Assert.Equal(
            $"{path}: holds 2 rows, expected 3",
            Assert.Throws<InputException>(() => AmatReader.Read(path, "rect", classes: 2, expectedCount: 3)).Message);
        Assert.Equal(
            $"{path}: line 2, column 1: row 2 is one too many, expected 1 rows",
            Assert.Throws<InputException>(() => AmatReader.Read(path, "rect", classes: 2, expectedCount: 1)).Message);
        AssertRows(AmatReader.Read(path, "rect", classes: 2, expectedCount: 2), 1, 0);
    }

    [Fact]
    public void AMissingFileOrADirectoryIsOneLine()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("none.amat");
        Assert.Equal($"{missing}: file not found", Assert.Throws<InputException>(() => AmatReader.Read(missing, "x", 10)).Message);
        Assert.Equal($"{dir.Path}: is a directory, expected a file", Assert.Throws<InputException>(() => AmatReader.Read(dir.Path, "x", 10)).Message);
    }

    /// <summary>A set of the published layout at a test's size: 3 train, 2 valid, 2 test, labels 0 … 9.</summary>
    private sealed class TinySet : IVariationGenerator
    {
        public string Name => "tiny";
        public uint Id => 999;
        public (int Train, int Valid, int Test) Sizes => (3, 2, 2);
        public int Classes => 10;
        public bool NeedsDigits => false;
        public bool NeedsBackgrounds => false;
        public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels) =>
            throw new NotSupportedException();
    }

    [Fact]
    public void ThePublishedTrainFileSplitsIntoTrainAndItsLastRowsAsValid()
    {
        using var dir = new TempDirectory();
        var set = new TinySet();
        var file = AmatReader.ReadTrainFile(Write(dir, Rows(5, 6, 7, 8, 9)), set);
        var (train, valid) = AmatReader.SplitTrain(file, set);
        Assert.Equal(new byte[] { 5, 6, 7 }, train.Labels);
        Assert.Equal(new byte[] { 8, 9 }, valid.Labels);
        Assert.Equal(file.Pixels.AsSpan(3 * 784).ToArray(), valid.Pixels);

        var path = Write(dir, Rows(5, 6, 7, 8));
        Assert.Equal($"{path}: holds 4 rows, expected 5", Assert.Throws<InputException>(() => AmatReader.ReadTrainFile(path, set)).Message);
        Assert.Equal($"{path}: line 3, column 1: row 3 is one too many, expected 2 rows", Assert.Throws<InputException>(() => AmatReader.ReadTestFile(path, set)).Message);

        // rect's published train file: 1200 rows, of which the last 200 are valid; the other sets hold out 2000.
        var rect = new Dataset("rectangles_train.amat", 1200, 28, 28, new float[1200 * 784], [.. Enumerable.Range(0, 1200).Select(i => (byte)(i % 2))]);
        var (rectTrain, rectValid) = AmatReader.SplitTrain(rect, new RectanglesGenerator());
        Assert.Equal((1000, 200), (rectTrain.Count, rectValid.Count));
        var (convexTrain, convexValid) = AmatReader.SplitTrain(new Dataset("convex_train.amat", 8000, 28, 28, new float[8000 * 784], new byte[8000]), new ConvexGenerator());
        Assert.Equal((6000, 2000), (convexTrain.Count, convexValid.Count));
        Assert.Equal(
            "rectangles_train.amat: has 1200 rows, expected more than 2000 (convex's last 2000 rows are its validation set)",
            Assert.Throws<InputException>(() => AmatReader.SplitTrain(rect, new ConvexGenerator())).Message);
    }
}
