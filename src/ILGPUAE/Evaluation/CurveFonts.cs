namespace ILGPUAE.Evaluation;

using ILGPUAE.IO;
using ScottPlot;
using SkiaSharp;

/// <summary>
/// The font curves.png is drawn with. SkiaSharp's NoDependencies build finds fonts only by scanning
/// /usr/share/fonts/; on a machine with none, ScottPlot draws every title, tick label and legend entry as nothing,
/// silently. <see cref="Check"/> says so once per run, and <see cref="Variable"/> names a font file to use instead.
/// </summary>
public static class CurveFonts
{
    /// <summary>An environment variable holding the path of a TrueType/OpenType file to draw curves.png's text with.</summary>
    public const string Variable = "ILGPUAE_FONT";

    /// <summary>The name <see cref="Variable"/>'s font is registered under with ScottPlot.</summary>
    public const string FamilyName = "ILGPUAE curves font";

    private static readonly Lock Gate = new();
    private static string? registered;

    /// <summary>Where curves.png's text comes from.</summary>
    public enum Source
    {
        /// <summary>The file <see cref="Variable"/> names.</summary>
        Variable,

        /// <summary>A font SkiaSharp found installed.</summary>
        System,

        /// <summary>Nothing: the picture has lines and markers but no text.</summary>
        None,
    }

    /// <summary>
    /// The font families SkiaSharp found. With none, its font manager still lists one family, named "" and holding an
    /// empty typeface (0 glyphs), so <c>FontFamilyCount</c> alone reads 1 on a machine without fonts.
    /// </summary>
    public static int InstalledFamilies() => SKFontManager.Default.FontFamilies.Count(name => !string.IsNullOrEmpty(name));

    /// <summary>The decision alone: the variable's font wins, else an installed one, else none.</summary>
    public static Source Choose(string? variablePath, int installedFamilies) =>
        !string.IsNullOrEmpty(variablePath) ? Source.Variable : installedFamilies > 0 ? Source.System : Source.None;

    /// <summary>The one warning line for a run writing curves.png into <paramref name="directory"/> without fonts.</summary>
    public static string NoFontsWarning(string directory) =>
        $"warning: no fonts found: {TrainingCurves.FileName} has no text; run `ilgpuae plot {directory}` on a machine with fonts (or set {Variable}=/path/to/font.ttf)";

    /// <summary>
    /// Applies <see cref="Variable"/> (see <see cref="Apply"/>) and returns the warning to show when curves.png will
    /// have no text, or null when it will.
    /// </summary>
    public static string? Check(string directory) =>
        Apply() == Source.None ? NoFontsWarning(directory) : null;

    /// <summary>
    /// Registers <see cref="Variable"/>'s font with ScottPlot and makes it the default for plots made from now on
    /// (once per path: the registration is process-wide); throws <see cref="InputException"/> naming the variable
    /// when it does not name a readable font file.
    /// </summary>
    public static Source Apply()
    {
        var path = Environment.GetEnvironmentVariable(Variable);
        var source = Choose(path, InstalledFamilies());
        if (source != Source.Variable)
            return source;
        lock (Gate)
        {
            var full = Path.GetFullPath(path!);
            if (registered == full)
                return source;
            if (!File.Exists(full))
                throw new InputException($"{Variable}={path}: file not found; expected the path of a .ttf or .otf font file");
            using (var typeface = SKTypeface.FromFile(full))
                if (typeface is null)
                    throw new InputException($"{Variable}={path}: not a font SkiaSharp can read; expected the path of a .ttf or .otf font file");
            // ScottPlot asks for bold titles and regular labels by name: one file serves every style.
            foreach (var bold in new[] { false, true })
                foreach (var italic in new[] { false, true })
                    Fonts.AddFontFile(FamilyName, full, bold, italic);
            Fonts.Default = FamilyName;
            registered = full;
            return source;
        }
    }
}
