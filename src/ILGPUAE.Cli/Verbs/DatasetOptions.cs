namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.IO;

/// <summary>The options of every verb that trains or evaluates on a dataset: the accelerator's and <c>--dataset</c>.</summary>
public abstract class DatasetOptions : AcceleratorOptions
{
    public const string Option = "--dataset";

    [Option("dataset", HelpText = "mnist, fashion-mnist (Fashion-MNIST v2), or a generated set (basic, rot, bg-rand, bg-img, bg-img-rot, …: made on first use with seed 1, or by `data make`). train dae, pretrain: default mnist; finetune: default the pretrained stack's; eval: default the run's. --resume always keeps the run's.")]
    public string? Dataset { get; set; }

    /// <summary>The dataset named by <c>--dataset</c>, or null when it is not given; an unknown name throws <see cref="InputException"/>.</summary>
    public DatasetKind? ParseDataset() => Parse(Dataset, Option);

    /// <summary><paramref name="name"/> as a dataset (null stays null); an unknown name throws <see cref="InputException"/> naming <paramref name="what"/>.</summary>
    public static DatasetKind? Parse(string? name, string what)
    {
        if (name is null)
            return null;
        return Datasets.TryParse(name, out var kind)
            ? kind
            : throw new InputException($"{what} {name}: unknown dataset; expected {Datasets.ExpectedNames}");
    }
}
