namespace ILGPUAE.Tests.Cli;

using System.Globalization;
using CsCheck;
using ILGPUAE.Cli;
using ILGPUAE.Cli.Verbs;

/// <summary>
/// Properties of the command-line reading (<see cref="CliApp.Parse"/>: the strict pass, then CommandLineParser), on generated
/// input, in process and without running a verb: numbers in the invariant format are read as written, anything else in a
/// numeric option is refused in one line, and no sequence of words ends in an unhandled exception.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class OptionParserPropertyTests
{
    private const long Iterations = 1000;

    [Fact]
    public void AnyFiniteFloatInTheInvariantFormatIsReadAsWritten()
    {
        var formats = Gen.OneOf("R", "G9", "E3", "F2", "0.###e+0");
        Gen.Select(Gen.Single, formats).Where((f, _) => float.IsFinite(f)).Sample((f, format) =>
        {
            var text = f.ToString(format, CultureInfo.InvariantCulture);
            var expected = float.Parse(text, CultureInfo.InvariantCulture);
            var options = Assert.IsType<TrainDaeOptions>(Parsed("train", "dae", "--lr", text));
            Assert.Equal(expected, options.LearningRate);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AnyDoubleAndIntegerInTheInvariantFormatIsReadAsWritten()
    {
        Gen.Select(Gen.Double.Where(double.IsFinite), Gen.Int, Gen.ULong).Sample((d, i, u) =>
        {
            var text = d.ToString("R", CultureInfo.InvariantCulture);
            var options = Assert.IsType<FinetuneVerbOptions>(Parsed("finetune", "--lr-factor", text, "--batch", i.ToString(CultureInfo.InvariantCulture),
                "--seed", u.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(d, options.LrFactor);
            Assert.Equal(i, options.Batch);
            Assert.Equal(u, options.Seed);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void AnIntegerPastItsTypeIsRefusedAsOutOfRange()
    {
        Gen.Long.Where(l => l is < int.MinValue or > int.MaxValue).Sample(l =>
        {
            var text = l.ToString(CultureInfo.InvariantCulture);
            var line = InProcessCli.AssertRefused(InProcessCli.Parse("train", "dae", "--hidden", text), $"--hidden {text}");
            Assert.Contains("out of range", line);
        }, iter: Iterations, threads: 1);
    }

    /// <summary>A word with a comma, a space, a letter (other than an exponent's e) or any other character numbers do not have.</summary>
    private static readonly Gen<string> NotANumber =
        Gen.Select(Gen.Char["0123456789.eE+-"].Array[0, 6], Gen.Char.Where(c => !"0123456789.eE+-".Contains(c)), Gen.Char["0123456789.eE+-"].Array[0, 6])
            .Select((before, odd, after) => new string([.. before, odd, .. after]));

    [Fact]
    public void AnyWordWithACommaOrAnotherNonNumericCharacterIsRefusedInOneLine()
    {
        Gen.Select(NotANumber, Gen.OneOf(("train dae", "--lr"), ("train dae", "--batch"), ("pretrain", "--momentum"), ("finetune", "--lr-factor"), ("finetune", "--seed")))
            .Sample((word, option) =>
            {
                var result = InProcessCli.Parse([.. option.Item1.Split(' '), option.Item2, word]);
                InProcessCli.AssertRefused(result, option.Item2);
            }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void NoSequenceOfWordsEndsInAnUnhandledException()
    {
        string[] vocabulary =
        [
            "train", "dae", "data", "fetch", "pretrain", "finetune", "eval", "plot", "check", "devices", "help",
            "--hidden", "--lr", "--corruption", "--betas", "--mlp", "--loss", "--optimizer", "--accelerator", "--device", "--seed",
            "--resume", "--out", "--force", "--freeze", "--init", "--preset", "--dataset", "--data-dir", "--model", "--epochs",
            "0.1", "0,1", "-1", "", " ", "abc", "none", "1e39", "99999999999", "-", "--", "=", "--lr=", "--lr=0,1", "--force=1",
            "mnist", "host", "sgd", "1000,1000", "0,05", "x\ny", "--bogus", "-x", "--help", "--version",
        ];
        var word = Gen.Frequency((4, (IGen<string>)Gen.OneOf(vocabulary)), (1, Gen.String));
        word.Array[0, 8].Sample(words =>
        {
            var result = InProcessCli.Parse(words);
            Assert.True(result.ExitCode is CliApp.Ok or CliApp.BadInput, result.ToString());
            Assert.DoesNotContain("Unhandled exception", result.Stderr);
            if (result.ExitCode == CliApp.BadInput && result.Stderr.StartsWith("error: ", StringComparison.Ordinal))
                Assert.Equal(2, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }, iter: Iterations, threads: 1);
    }

    private static object Parsed(params string[] args)
    {
        var parsed = CliApp.Parse(args);
        Assert.True(parsed.Value is not null, $"ilgpuae {string.Join(' ', args)} was refused (exit {parsed.Exit})");
        return parsed.Value;
    }
}
