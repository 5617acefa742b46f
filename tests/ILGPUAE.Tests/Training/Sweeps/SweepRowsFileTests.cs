namespace ILGPUAE.Tests.Training.Sweeps;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;

public sealed class SweepRowsFileTests
{
    private static readonly SweepGrid Grid = SweepGrid.Create(DeepRegularizer.Denoise);

    private static SweepRow Row(int ordinal, double valid, string settings = "epochs=5") =>
        new(SweepRunnerTests.Cell, settings, 20, Grid.Configs[ordinal], SweepStatus.Done, new SweepOutcome(valid, 10, 100, 5), 2.5);

    private static string Write(TempDirectory temp, string name, params SweepRow[] rows)
    {
        var path = temp.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, SweepTableFiles.Text(rows));
        return path;
    }

    [Fact]
    public void ARowRoundTripsThroughItsLineEvenWithCommasAndQuotesInItsSettings()
    {
        var row = Row(13, 0.0123456789) with { Settings = "train_limit=1000, note=\"a,b\"" };

        var line = CsvLine.Format(row.Fields());
        var back = SweepRow.TryParse(CsvLine.Parse(line)!, out var problem);

        Assert.Null(problem);
        Assert.Equal(row, back);
        Assert.Contains("\"train_limit=1000, note=\"\"a,b\"\"\"", line);
    }

    [Fact]
    public void TheSameRowFoundTwiceIsKeptOnceAndAnotherResultForItIsRefused()
    {
        using var temp = new TempDirectory();
        var a = Write(temp, "a/rows.csv", Row(0, 0.1), Row(1, 0.2));
        // A rerun elsewhere: same results, other seconds.
        Write(temp, "b/rows.csv", Row(1, 0.2) with { Seconds = 9 }, Row(2, 0.3));

        var merged = SweepRowsFile.Merge([temp.Path], _ => { });
        Assert.Equal([0, 1, 2], merged.Select(r => r.Config.Ordinal));

        var c = Write(temp, "c.csv", Row(1, 0.25));
        var e = Assert.Throws<InputException>(() => SweepRowsFile.Merge([a, c], _ => { }));
        Assert.Equal($"{c} line 2: mnist DAE-2J (layers 3-2) has lr0.001-noise0.3 with different results ({a} line 3); expected the rows of one sweep per cell, each configuration once", e.Message);
    }

    [Fact]
    public void RowsOfOneCellWithOtherSettingsAreRefused()
    {
        using var temp = new TempDirectory();
        var a = Write(temp, "a.csv", Row(0, 0.1));
        var b = Write(temp, "b.csv", Row(1, 0.1, settings: "epochs=6"));

        var e = Assert.Throws<InputException>(() => SweepRowsFile.Merge([a, b], _ => { }));

        Assert.Contains("has settings 'epochs=5' and 'epochs=6'", e.Message);
    }

    [Theory]
    [InlineData("not,a,header\n", "line 1: header 'not,a,header'; expected 'dataset,scheme,")]
    [InlineData("{H}\nmnist,J,denoise\n", "line 2: 3 fields; expected 17")]
    [InlineData("{H}\nmnist,J,denoise,3-2,false,epochs=5,20,0,lr0.001-noise0.2,0.001,0.1,done,0.1,10,100,5,1\n", "line 2: key 'lr0.001-noise0.2' does not match")]
    [InlineData("{H}\nmnist,J,denoise,3-2,false,epochs=5,20,0,lr0.001-noise0.1,0.001,0.1,done,0.1,101,100,5,1\n", "line 2: it holds 101 test errors in 100")]
    [InlineData("{H}\nmnist,X,denoise,3-2,false,epochs=5,20,0,lr0.001-noise0.1,0.001,0.1,done,0.1,10,100,5,1\n", "line 2: scheme 'X'; expected L, U, J or UJ")]
    [InlineData("{H}\n\"mnist,J\n", "line 2: unpaired quotes")]
    public void ALineThatIsNotARowIsRefusedNamingTheFileAndLine(string content, string expected)
    {
        using var temp = new TempDirectory();
        var path = temp.File("rows.csv");
        File.WriteAllText(path, content.Replace("{H}", SweepRowsFile.HeaderLine));

        var e = Assert.Throws<InputException>(() => SweepRowsFile.Read(path, _ => { }));

        Assert.StartsWith($"{path} {expected}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
