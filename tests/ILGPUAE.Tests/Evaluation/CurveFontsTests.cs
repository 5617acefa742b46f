namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Evaluation;

/// <summary>Where curves.png's text comes from, and the warning a run gives when it has none.</summary>
public sealed class CurveFontsTests
{
    [Theory]
    [InlineData("/fonts/a.ttf", 0, CurveFonts.Source.Variable)]
    [InlineData("/fonts/a.ttf", 4, CurveFonts.Source.Variable)]
    [InlineData(null, 4, CurveFonts.Source.System)]
    [InlineData("", 1, CurveFonts.Source.System)]
    [InlineData(null, 0, CurveFonts.Source.None)]
    [InlineData("", 0, CurveFonts.Source.None)]
    public void TheVariableWinsThenAnInstalledFontElseNone(string? variable, int installed, CurveFonts.Source expected) =>
        Assert.Equal(expected, CurveFonts.Choose(variable, installed));

    [Fact]
    public void TheWarningIsOneLineNamingTheDirectoryToPlotAndTheVariable()
    {
        var warning = CurveFonts.NoFontsWarning("runs/dae");

        Assert.StartsWith("warning: no fonts found: curves.png has no text; run `ilgpuae plot runs/dae` on a machine with fonts", warning);
        Assert.Contains(CurveFonts.Variable, warning);
        Assert.DoesNotContain('\n', warning);
    }

}
