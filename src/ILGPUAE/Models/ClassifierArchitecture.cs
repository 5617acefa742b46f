namespace ILGPUAE.Models;

/// <summary>
/// The shape of a <see cref="FeedForwardClassifier"/>: inputs → the stack's sigmoid layers → extra sigmoid
/// (MLP) layers → a softmax over the classes. The stack's layers are named as a pretrained stack names
/// them, <c>layer{i}.W</c> [out, in] and <c>layer{i}.b_hidden</c>; the layers after them are
/// <c>mlp{j}.W</c> and <c>mlp{j}.b</c> in forward order, the last being the softmax layer.
/// </summary>
public sealed record ClassifierArchitecture(int Inputs, int[] StackHidden, int[] MlpHidden, int Classes)
{
    public const string StackPrefix = "layer";
    public const string MlpPrefix = "mlp";
    public const string WeightSuffix = "W";
    public const string StackBiasSuffix = "b_hidden";
    public const string MlpBiasSuffix = "b";

    /// <summary>Every layer, the softmax layer included.</summary>
    public int LayerCount => StackHidden.Length + MlpHidden.Length + 1;

    /// <summary>Width of layer <paramref name="layer"/>'s input.</summary>
    public int InputsOf(int layer) => layer == 0 ? Inputs : OutputsOf(layer - 1);

    public int OutputsOf(int layer) =>
        layer < StackHidden.Length ? StackHidden[layer]
        : layer < LayerCount - 1 ? MlpHidden[layer - StackHidden.Length]
        : Classes;

    public string WeightName(int layer) => $"{Prefix(layer)}.{WeightSuffix}";

    public string BiasName(int layer) => $"{Prefix(layer)}.{(layer < StackHidden.Length ? StackBiasSuffix : MlpBiasSuffix)}";

    /// <summary>Throws <see cref="IO.InputException"/> naming the first size that no classifier can have (as a file could say).</summary>
    public void Validate()
    {
        if (Inputs < 1)
            throw IO.InputException.ForSetting("inputs", Inputs, "an integer ≥ 1");
        if (StackHidden.Any(width => width < 1))
            throw IO.InputException.ForSetting("stack_hidden", string.Join(",", StackHidden), "widths ≥ 1");
        if (MlpHidden.Any(width => width < 1))
            throw IO.InputException.ForSetting("mlp_hidden", string.Join(",", MlpHidden), "widths ≥ 1");
        if (Classes < 2)
            throw IO.InputException.ForSetting("classes", Classes, "an integer ≥ 2");
    }

    /// <summary>"784-1000-1000-1000-500-10".</summary>
    public override string ToString() => string.Join("-", Enumerable.Range(0, LayerCount).Select(OutputsOf).Prepend(Inputs));

    private string Prefix(int layer) =>
        layer < StackHidden.Length ? $"{StackPrefix}{layer}" : $"{MlpPrefix}{layer - StackHidden.Length}";
}
