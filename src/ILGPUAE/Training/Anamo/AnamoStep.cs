namespace ILGPUAE.Training.Anamo;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Optimizers;

/// <summary>How one block of ANAMO's alternation moves its parameters during its inner iterations.</summary>
public enum InnerMethod
{
    /// <summary>
    /// Accelerated: FISTA (<see cref="FistaRule"/>), its momentum sequence restarted at every minibatch, the block's parameters set to
    /// the last iterate at the loop's end; with no L1 penalty on the block's weights the prox is the identity and this is Nesterov's
    /// accelerated gradient (in Beck and Teboulle's form: the same kernel).
    /// </summary>
    Accelerated,

    /// <summary>Plain gradient descent, θ ← θ − step·∇ (an L1 penalty on the weights then enters by its subgradient).</summary>
    Gradient,
}

/// <summary>One block of the alternation: its inner iterations per minibatch, its step size, its method, and λ of an L1 penalty on its weights (0: none).</summary>
public readonly record struct InnerBlock(int Iterations, float Step, InnerMethod Method = InnerMethod.Accelerated, float WeightL1 = 0f)
{
    /// <summary>The block's <see cref="Optimizer"/> settings: FISTA restarted every <see cref="Iterations"/> steps, or SGD.</summary>
    public OptimizerOptions OptimizerOptions() => Method == InnerMethod.Accelerated
        ? new OptimizerOptions { Kind = OptimizerKind.Fista, LearningRate = Step, WeightL1 = WeightL1, FistaLoop = Iterations }
        : new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = Step, WeightL1 = WeightL1 };
}

/// <summary>
/// ANAMO (nested alternating minimisation) for a single-hidden-layer autoencoder, as a schedule on the one <see cref="Trainer"/>: per
/// minibatch, <see cref="InnerBlock.Iterations"/> inner iterations on the encoder's parameters with the decoder fixed, then the
/// decoder's with the encoder fixed. Each inner iteration is the generic step's gradient (<see cref="Network.ForwardBackward"/>: the
/// reconstruction, the code penalty of an <see cref="ActivityL1"/> module, backward) and one step of the block's own
/// <see cref="Optimizer"/>, which holds only that block's parameters: the other block's never move. The losses the trainer reports are
/// those of the minibatch's first gradient (at the parameters the minibatch started from, as for a plain step).
/// <para>
/// When the decoder block is the network's top modules and the encoder block lies below them, the decoder's inner loop runs the
/// encoder forward once per minibatch (<see cref="Network.ForwardBelow"/>: with the encoder fixed the codes do not change) and each
/// iteration only the decoder's forward and backward (<see cref="Network.ForwardBackwardAbove"/>): the same gradients and losses
/// without the encoder's products (its forward, the codes' δ and the encoder's gradient: three of the five per iteration).
/// </para>
/// </summary>
public sealed class AnamoStep : ITrainingStep
{
    private readonly Tensor<float> scratch;
    private readonly BatchViews scratchView;
    private readonly (Optimizer Optimizer, int Iterations)[] blocks;
    private readonly int? decoderTop;

    /// <param name="encoder">The parameters of the encoder block (the first layer's W and bias).</param>
    /// <param name="decoder">The decoder block's.</param>
    public AnamoStep(Network network, IReadOnlyList<Parameter> encoder, InnerBlock encoderBlock, IReadOnlyList<Parameter> decoder, InnerBlock decoderBlock)
    {
        if (encoderBlock.Iterations < 0 || decoderBlock.Iterations < 0 || encoderBlock.Iterations + decoderBlock.Iterations == 0)
            throw new ArgumentException($"inner iterations {encoderBlock.Iterations} (encoder) and {decoderBlock.Iterations} (decoder): expected counts ≥ 0, not both 0");
        if (encoder.Intersect(decoder).Any())
            throw new ArgumentException("a parameter is in both blocks", nameof(decoder));
        Network = network;
        scratch = network.Backend.Allocate<float>(network.MaxBatch);
        scratchView = new BatchViews([scratch]);
        var complete = false;
        var made = new List<(Optimizer, int)>();
        try
        {
            made.Add((new Optimizer(network.Backend, encoder, encoderBlock.OptimizerOptions()), encoderBlock.Iterations));
            made.Add((new Optimizer(network.Backend, decoder, decoderBlock.OptimizerOptions()), decoderBlock.Iterations));
            complete = true;
        }
        finally
        {
            if (!complete)
            {
                foreach (var (o, _) in made)
                    o.Dispose();
                scratch.Dispose();
            }
        }
        blocks = [.. made];
        EncoderOptimizer = blocks[0].Optimizer;
        DecoderOptimizer = blocks[1].Optimizer;
        decoderTop = DecoderTop(network, encoder, decoder);
    }

    /// <summary>
    /// The lowest module that holds a decoder parameter, when every module from it up holds only decoder parameters (or none) and
    /// every encoder parameter is below it; else null (the decoder's loop runs whole passes).
    /// </summary>
    private static int? DecoderTop(Network network, IReadOnlyList<Parameter> encoder, IReadOnlyList<Parameter> decoder)
    {
        var modules = network.Body.Modules;
        var decoderSet = decoder.ToHashSet();
        var top = Enumerable.Range(0, modules.Count).FirstOrDefault(i => modules[i].Parameters.Any(decoderSet.Contains), -1);
        if (top < 1 || top < network.Body.FirstTrained)
            return null;
        var above = modules.Skip(top).SelectMany(m => m.Parameters).ToHashSet();
        return above.SetEquals(decoderSet) && !encoder.Any(above.Contains) ? top : null;
    }

    public Network Network { get; }
    public Optimizer EncoderOptimizer { get; }
    public Optimizer DecoderOptimizer { get; }

    /// <summary>Gradient evaluations per minibatch: the two blocks' inner iterations.</summary>
    public int GradientsPerBatch => blocks.Sum(b => b.Iterations);

    /// <summary>
    /// Called after every gradient evaluation with its rows' losses (on the device; objective plus code penalty, at the point the
    /// gradient was taken): the comparison's loss curve. Null: nothing is called, nothing read back.
    /// </summary>
    public Action<Tensor<float>>? GradientEvaluated { get; set; }

    // FISTA's state does not outlive a minibatch (each inner loop restarts it, and its step counts run modulo the loop), so a checkpoint
    // between calls needs none.
    Optimizer? ITrainingStep.Optimizer => null;
    public int Chunk => 0;
    public int Workers => 1;

    public void Run(int worker, in TrainingBatch batch)
    {
        scratchView.Resize(batch.Context.Rows);
        var first = true;
        for (var block = 0; block < blocks.Length; block++)
        {
            var (optimizer, iterations) = blocks[block];
            var top = block == 1 ? decoderTop : null;
            var below = top is { } t && iterations > 0 ? Network.ForwardBelow(batch.Data, batch.Context, t) : null;
            for (var j = 0; j < iterations; j++)
            {
                var losses = first ? batch.Losses : scratchView[0];
                if (below is null)
                    Network.ForwardBackward(batch.Data, batch.Context, losses, batch.Labels);
                else
                    Network.ForwardBackwardAbove(below, top!.Value, batch.Context, losses, batch.Labels);
                GradientEvaluated?.Invoke(losses);
                optimizer.Step();
                first = false;
            }
        }
    }

    public void Dispose()
    {
        foreach (var (o, _) in blocks)
            o.Dispose();
        scratch.Dispose();
        Network.Dispose();
    }
}

/// <summary>
/// ANAMO's autoencoder: encoder Dense in → hidden (sigmoid, or the smooth step of the binary variant), an L1 penalty λ‖code‖₁, decoder
/// Dense hidden → in (sigmoid), ½‖x − x̂‖².
/// </summary>
public static class AnamoNetwork
{
    public const string EncoderWeight = "enc.W", EncoderBias = "enc.b", DecoderWeight = "dec.W", DecoderBias = "dec.b";

    /// <summary>
    /// The training network: with the code penalty when <paramref name="lambda"/> &gt; 0. With <paramref name="smoothStep"/> ε, the
    /// binary encoder: the encoder's Dense applies no activation and the smooth step of width ε follows it.
    /// </summary>
    public static NetworkSpec Spec(int visible, int hidden, float lambda, float? smoothStep = null)
    {
        List<ModuleSpec> modules = smoothStep is { } epsilon
            ? [new DenseSpec(visible, hidden, Activation.Identity, EncoderWeight, EncoderBias), new SmoothStepSpec(hidden, epsilon)]
            : [new DenseSpec(visible, hidden, Activation.Sigmoid, EncoderWeight, EncoderBias)];
        if (lambda > 0f)
            modules.Add(new ActivityL1Spec(hidden, lambda));
        modules.Add(new DenseSpec(hidden, visible, Activation.Sigmoid, DecoderWeight, DecoderBias));
        return new NetworkSpec(modules, new ReconstructionSpec(LossKind.SquaredError));
    }

    /// <summary>The encoder block's parameters (the first module's) and the decoder block's (the last module's).</summary>
    public static (IReadOnlyList<Parameter> Encoder, IReadOnlyList<Parameter> Decoder) Blocks(Network network) =>
        (network.Body.Modules[0].Parameters, network.Body.Modules[^1].Parameters);
}
