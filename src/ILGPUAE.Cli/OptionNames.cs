namespace ILGPUAE.Cli;

using System.Text.RegularExpressions;
using ILGPUAE.IO;

/// <summary>
/// The engine names its settings as the run's options do in JSON (learning_rate, train_limit); the CLI shows its flags.
/// One table maps the first to the second, for the one-line errors the engine raises about a setting.
/// </summary>
public static class OptionNames
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["hidden"] = "--hidden",
        ["corruption"] = "--corruption",
        ["learning_rate"] = "--lr",
        ["momentum"] = "--momentum",
        ["optimizer"] = "--optimizer",
        ["batch"] = "--batch",
        ["epochs"] = "--epochs",
        ["hogwild"] = "--hogwild",
        ["train_limit"] = "--train-limit",
        ["test_limit"] = "--test-limit",
        ["mlp"] = "--mlp",
        ["max_epochs"] = "--max-epochs",
        ["patience_epochs"] = "--patience",
        ["lr_plateau"] = "--lr-plateau",
        ["lr_factor"] = "--lr-factor",
        ["min_learning_rate"] = "--min-lr",
        ["model"] = "--model",
        ["dataset"] = "--dataset",
        ["data_dir"] = "--data-dir",
        ["backgrounds"] = "--backgrounds",
        ["limit"] = "--limit",
        ["resume"] = "--resume",
        ["pretrained"] = "--pretrained",
        ["preset"] = "--preset",
        ["activation"] = "--activation",
        ["activity_l1"] = "--activity-l1",
        ["on_nan"] = "--on-nan",
        ["checkpoint_every"] = "--checkpoint-every",
        ["accelerator"] = "--accelerator",
        ["out"] = "--out",
        ["data_dir"] = "--data-dir",
        ["force"] = "--force",
        ["device"] = "--device",
        ["seed"] = "--seed",
        ["loss"] = "--loss",
        ["freeze"] = "--freeze",
        ["weight_decay"] = "--weight-decay",
        ["beta1"] = "--betas",
        ["beta2"] = "--betas",
        ["epsilon"] = "--eps",
        ["rms_prop_alpha"] = "--rmsprop-alpha",
        ["clip_grad_norm"] = "--clip-grad-norm",
        ["noise"] = "--noise",
        ["contraction"] = "--contraction",
        ["holdout"] = "--holdout",
        ["l1_weights"] = "--l1-weights",
        ["l1_codes"] = "--l1-codes",
        ["shard"] = "--shard",
        ["rows"] = "--rows",
        ["svm_c"] = "--svm-c",
        ["codes_out"] = "--codes-out",
        ["tolerance"] = "--tolerance",
        ["samples"] = "--samples",
        ["chains"] = "--chains",
        ["layers"] = "--layers",
        ["scheme"] = "--scheme",
        ["regularizer"] = "--regularizer",
        ["noise_kind"] = "--noise-kind",
        ["joint_epochs"] = "--joint-epochs",
        ["valid_limit"] = "--valid-limit",
        ["binarize"] = "--binarize",
        ["labels"] = "--labels",
        ["encoder"] = "--encoder",
        ["second_pool"] = "--second-pool",
        ["min_labels"] = "--min-labels",
        ["max_labels"] = "--max-labels",
        ["sizes"] = "--sizes",
        ["repeats"] = "--repeats",
        ["models"] = "--models",
        ["pretrain_epochs"] = "--pretrain-epochs",
        ["pretrain_limit"] = "--pretrain-limit",
        ["fixed_test"] = "--fixed-test",
        ["confusion_labels"] = "--confusion",
        ["confusion_model"] = "--confusion",
        ["import"] = "--import",
        ["units"] = "--units",
        ["columns"] = "--columns",
        // train ga
        ["population"] = "--population",
        ["offspring"] = "--offspring",
        ["elites"] = "--elites",
        ["selection"] = "--selection",
        ["tournament_size"] = "--tournament-size",
        ["crossover"] = "--crossover",
        ["blend_alpha"] = "--blend-alpha",
        ["mutation"] = "--mutation",
        ["mutation_rate"] = "--mutation-rate",
        ["mutation_scale"] = "--mutation-scale",
        ["mutation_decay"] = "--mutation-decay",
        ["fixed_minibatch"] = "--fixed-minibatch",
        ["islands"] = "--islands",
        ["migration_interval"] = "--migration-interval",
        ["migrants"] = "--migrants",
        ["topology"] = "--topology",
        ["memetic_steps"] = "--memetic-steps",
        ["memetic_learning_rate"] = "--memetic-lr",
        ["seconds"] = "--seconds",
        // train anamo, compare anamo
        ["lambda"] = "--lambda",
        ["l1_encoder_weights"] = "--l1-encoder-weights",
        ["encoder_iterations"] = "--enc-iters",
        ["decoder_iterations"] = "--dec-iters",
        ["encoder_step"] = "--enc-step",
        ["decoder_step"] = "--dec-step",
        ["encoder_method"] = "--enc-method",
        ["decoder_method"] = "--dec-method",
        ["outer"] = "--outer",
        ["seeds"] = "--seeds",
        ["adam_epochs"] = "--adam-epochs",
        ["adam_learning_rate"] = "--adam-lr",
        ["smooth_step_epsilon"] = "--epsilon",
        ["rho"] = "--rho",
        ["beta"] = "--beta",
        ["tied"] = "--tied",
        // export onnx
        ["part"] = "--part",
    };

    /// <summary>The flag the CLI reads <paramref name="setting"/> from, or null when no flag sets it.</summary>
    public static string? FlagOf(string setting) => Flags.GetValueOrDefault(setting);

    /// <summary>The settings <paramref name="flag"/> sets (most flags one; none when it sets no setting of a run's options).</summary>
    public static IReadOnlyList<string> SettingsOf(string flag) => [.. Flags.Where(p => p.Value == flag).Select(p => p.Key)];

    /// <summary>
    /// <paramref name="e"/>'s message with its setting's name replaced by the flag, e.g. "--lr 0: expected …", and each other
    /// setting it mentions ("with batch 10") by its flag too ("with --batch 10").
    /// </summary>
    public static string Message(Exception e)
    {
        if (e is not ISettingMessage named)
            return e.Message;
        var message = named.Setting is { } setting && FlagOf(setting) is { } flag && e.Message.StartsWith(setting, StringComparison.Ordinal)
            ? flag + e.Message[setting.Length..] : e.Message;
        foreach (var other in named.Mentioned)
            if (FlagOf(other) is { } otherFlag)
                message = Regex.Replace(message, $@"(?<=[\s(]){Regex.Escape(other)}(?=[\s),;:]|$)", otherFlag);
        return message;
    }
}
