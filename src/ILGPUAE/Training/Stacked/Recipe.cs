namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Backend;
using ILGPUAE.IO;

/// <summary>A published stacked-DAE recipe that `--preset` starts from; any option given on the command line overrides it.</summary>
public enum Recipe
{
    /// <summary>
    /// Theano's SdA tutorial (and Vincent et al. 2010's SdA-3): 3 × 1000 units, masking 0.1 / 0.2 / 0.3,
    /// cross-entropy, per-sample SGD at 0.001 for 15 epochs per layer; softmax on top, fine-tuned per sample
    /// at 0.1 for up to 1000 epochs with patience-based early stopping.
    /// </summary>
    Sda3Theano,

    /// <summary>
    /// Nagamani 2025: the same stack pretrained on squared error, a 1000-500-10 MLP head, 30 fine-tuning
    /// epochs at 0.1 (per-sample SGD is our choice: the paper gives no batch size).
    /// </summary>
    SdaeMlp,

    /// <summary>
    /// Ours: <see cref="Sda3Theano"/>'s pretraining and fine-tuning, with two regularisers on the fine-tuning —
    /// masking noise 0.2 on the classifier's input and the learning rate halved after 3 epochs without a new
    /// best validation error — for at most 40 epochs. Per-sample fine-tuning at a fixed 0.1 otherwise drives
    /// the training loss to 0 within about 13 epochs, after which the model stops changing.
    /// </summary>
    Sda3Masked,
}

public static class Recipes
{
    public static readonly IReadOnlyDictionary<string, Recipe> Names = new Dictionary<string, Recipe>(StringComparer.OrdinalIgnoreCase)
    {
        ["sda3-theano"] = Recipe.Sda3Theano,
        ["sdae-mlp"] = Recipe.SdaeMlp,
        ["sda3-masked"] = Recipe.Sda3Masked,
    };

    public static Recipe Parse(string name) =>
        Names.TryGetValue(name, out var recipe)
            ? recipe
            : throw InputException.AboutSetting("preset", $"preset {name}: unknown preset; expected one of {string.Join(", ", Names.Keys)}");

    public static string Name(Recipe recipe) => Names.First(p => p.Value == recipe).Key;

    /// <summary>The pretraining options a run starts from: the recipe's, or the defaults (Theano's) without one.</summary>
    public static StackOptions Pretraining(Recipe? recipe) => recipe switch
    {
        null or Recipe.Sda3Theano or Recipe.Sda3Masked => new StackOptions(),
        Recipe.SdaeMlp => new StackOptions { Loss = LossKind.SquaredError },
        _ => throw new ArgumentOutOfRangeException(nameof(recipe), recipe, null),
    };

    /// <summary>The fine-tuning options a run starts from: the recipe's, or the defaults (Theano's) without one.</summary>
    public static FinetuneOptions Finetuning(Recipe? recipe) => recipe switch
    {
        null or Recipe.Sda3Theano => new FinetuneOptions(),
        Recipe.SdaeMlp => new FinetuneOptions { Mlp = [500], MaxEpochs = 30, PatienceEpochs = 0 },
        Recipe.Sda3Masked => new FinetuneOptions { Corruption = 0.2f, LrPlateau = 3, MaxEpochs = 40 },
        _ => throw new ArgumentOutOfRangeException(nameof(recipe), recipe, null),
    };
}
