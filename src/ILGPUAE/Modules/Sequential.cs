namespace ILGPUAE.Modules;

using ILGPUAE.Backend;

/// <summary>
/// Modules applied in order. Backward runs them in reverse, handing each the activation of the module below it (or the
/// identity for the input) so that the activation derivative is fused into the product that forms its delta, and stops
/// forming input deltas below <see cref="FirstTrained"/> (frozen modules get no gradient and pass none down).
/// Owns and disposes its modules.
/// </summary>
public sealed class Sequential : IModule
{
    private readonly IModule[] modules;
    private readonly Parameter[] parameters;

    /// <param name="firstTrained">Modules below this index are frozen: no gradient reaches them.</param>
    public Sequential(IReadOnlyList<IModule> modules, int firstTrained = 0)
    {
        if (modules.Count == 0)
            throw new ArgumentException("a sequence needs at least one module", nameof(modules));
        for (var i = 1; i < modules.Count; i++)
            if (modules[i].Inputs != modules[i - 1].Outputs)
                throw new ArgumentException(
                    $"module {i} ({modules[i].GetType().Name}) takes {modules[i].Inputs} values per row; module {i - 1} ({modules[i - 1].GetType().Name}) gives {modules[i - 1].Outputs}");
        if (firstTrained < 0 || firstTrained >= modules.Count)
            throw new ArgumentOutOfRangeException(nameof(firstTrained), firstTrained, $"expected a module index in [0, {modules.Count})");
        this.modules = [.. modules];
        FirstTrained = firstTrained;
        parameters = [.. this.modules.SelectMany(m => m.Parameters)];
        var duplicate = parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"two parameters are named '{duplicate.Key}'", nameof(modules));
    }

    public IReadOnlyList<IModule> Modules => modules;
    public int FirstTrained { get; }
    public int Inputs => modules[0].Inputs;
    public int Outputs => modules[^1].Outputs;
    public Activation OutputActivation => modules[^1].OutputActivation;

    /// <summary>Every module's parameters in forward order, each once.</summary>
    public IReadOnlyList<Parameter> Parameters => parameters;

    /// <summary>The parameters that get gradients: those of modules <see cref="FirstTrained"/> and above.</summary>
    public IEnumerable<Parameter> TrainedParameters => modules.Skip(FirstTrained).SelectMany(m => m.Parameters);

    public Tensor<float> Forward(Tensor<float> x, in StepContext context) => Forward(x, context, 0, modules.Length);

    /// <summary>Modules [<paramref name="first"/>, <paramref name="end"/>) forward: x is module <paramref name="first"/>'s input.</summary>
    public Tensor<float> Forward(Tensor<float> x, in StepContext context, int first, int end)
    {
        if (first < 0 || first > end || end > modules.Length)
            throw new ArgumentOutOfRangeException(nameof(first), $"modules [{first}, {end}) of {modules.Length}");
        var y = x;
        for (var i = first; i < end; i++)
            y = modules[i].Forward(y, context);
        return y;
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta) =>
        Backward(delta, context, inputActivation, needInputDelta, FirstTrained);

    /// <summary>
    /// Backward through modules <paramref name="lowest"/> and above only (at least <see cref="FirstTrained"/>): the modules below get
    /// no gradient and no δ, as if frozen for this pass.
    /// </summary>
    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta, int lowest)
    {
        if (lowest < 0 || lowest >= modules.Length)
            throw new ArgumentOutOfRangeException(nameof(lowest), lowest, $"expected a module index in [0, {modules.Length})");
        lowest = Math.Max(lowest, FirstTrained);
        Tensor<float>? d = delta;
        for (var i = modules.Length - 1; i >= lowest; i--)
        {
            var below = i == 0 ? inputActivation : modules[i - 1].OutputActivation;
            var needBelow = i > lowest || (i == 0 && needInputDelta);
            d = modules[i].Backward(d!, context, below, needBelow);
        }
        return lowest == 0 && needInputDelta ? d : null;
    }

    public void Dispose()
    {
        foreach (var m in modules)
            m.Dispose();
    }
}
