namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.IO;
using ILGPUAE.Training.Stacked;

public sealed class RecipeTests
{
    [Fact]
    public void Sda3MaskedIsTheTheanoRecipeWithMaskedInputsAndAPlateauSchedule()
    {
        var theano = Recipes.Finetuning(Recipe.Sda3Theano);
        var masked = Recipes.Finetuning(Recipes.Parse("SDA3-masked"));
        Assert.Equal(theano with { Corruption = 0.2f, LrPlateau = 3, MaxEpochs = 40 }, masked);
        Assert.Equivalent(Recipes.Pretraining(Recipe.Sda3Theano), Recipes.Pretraining(Recipe.Sda3Masked), strict: true);
        Assert.Equal(LossKind.SquaredError, Recipes.Pretraining(Recipe.SdaeMlp).Loss);
        Assert.Equal("sda3-masked", Recipes.Name(Recipe.Sda3Masked));
    }

    [Fact]
    public void OptionsOnTheCommandLineOverrideThePreset()
    {
        var resolved = new FinetuneVerbOptions { Preset = "sda3-masked", LrPlateau = 5, LearningRate = 0.05f }.Resolve();
        Assert.Equal(5, resolved.LrPlateau);
        Assert.Equal(0.05f, resolved.LearningRate);
        Assert.Equal(0.2f, resolved.Corruption);
        Assert.Equal(40, resolved.MaxEpochs);
        Assert.Equal(0f, new FinetuneVerbOptions { Preset = "sda3-masked", Corruption = 0f }.Resolve().Corruption);
    }

    [Fact]
    public void AnUnknownPresetNamesTheKnownOnes()
    {
        var e = Assert.Throws<InputException>(() => Recipes.Parse("sda4"));
        Assert.StartsWith("preset sda4", e.Message);
        Assert.Equal("preset", e.Setting);
        Assert.Contains("sda3-masked", e.Message);
    }
}
