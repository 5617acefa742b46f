namespace ILGPUAE.SampleSgd;

using ILGPU;

/// <summary>
/// The scalars of one <see cref="SampleSgdKernels.TiedDae"/> or <see cref="SampleSgdKernels.TiedDaeHogwild"/> launch
/// (Hogwild has no column groups and no grid barrier: it ignores ColumnsPerGroup and SpinLimit).
/// </summary>
public readonly struct TiedDaeStep
{
    public TiedDaeStep(int visible, int hidden, int count, float learningRate, int loss, ulong seed, uint stream, uint epoch,
        ulong threshold, int lanesPerRow, int columnsPerGroup, int spinLimit)
    {
        LanesPerRow = lanesPerRow;
        Visible = visible; Hidden = hidden; Count = count; LearningRate = learningRate; Loss = loss;
        Seed = seed; Stream = stream; Epoch = epoch; Threshold = threshold;
        ColumnsPerGroup = columnsPerGroup; SpinLimit = spinLimit;
    }

    public int Visible { get; }
    public int Hidden { get; }

    /// <summary>Examples in this launch.</summary>
    public int Count { get; }

    public float LearningRate { get; }

    /// <summary>A <see cref="Backend.LossKind"/> as int.</summary>
    public int Loss { get; }

    public ulong Seed { get; }
    public uint Stream { get; }
    public uint Epoch { get; }

    /// <summary>Masking threshold (CounterRng.BernoulliThreshold of the corruption probability).</summary>
    public ulong Threshold { get; }

    /// <summary>Threads per row in row phases: the warp size, or 1 (no shuffles).</summary>
    public int LanesPerRow { get; }

    /// <summary>Columns per group in column phases (≤ the warp size, divides the group size).</summary>
    public int ColumnsPerGroup { get; }

    /// <summary>Polls of the grid barrier before a group gives up (see <see cref="SampleSgdKernels"/>).</summary>
    public int SpinLimit { get; }
}

/// <summary>
/// The scalars of one <see cref="SampleSgdKernels.Classifier"/> launch: layer l maps Inputs(l) to
/// Outputs(l) values; Inputs(l) = Outputs(l − 1). Seed, Stream, Epoch and Threshold key the masking
/// noise on layer 0's input (Threshold 0: clean inputs).
/// </summary>
public readonly struct ClassifierStep
{
    public ClassifierStep(int layers, int inputs, int out0, int out1, int out2, int out3, int out4, int out5, int firstTrained,
        int count, float learningRate, ulong seed, uint stream, uint epoch, ulong threshold, int lanesPerRow, int columnsPerGroup, int spinLimit)
    {
        LanesPerRow = lanesPerRow;
        Layers = layers; Input = inputs;
        Out0 = out0; Out1 = out1; Out2 = out2; Out3 = out3; Out4 = out4; Out5 = out5;
        FirstTrained = firstTrained; Count = count; LearningRate = learningRate;
        Seed = seed; Stream = stream; Epoch = epoch; Threshold = threshold;
        ColumnsPerGroup = columnsPerGroup; SpinLimit = spinLimit;
    }

    public int Layers { get; }
    public int Input { get; }
    public int Out0 { get; }
    public int Out1 { get; }
    public int Out2 { get; }
    public int Out3 { get; }
    public int Out4 { get; }
    public int Out5 { get; }
    public int FirstTrained { get; }
    public int Count { get; }
    public float LearningRate { get; }
    public ulong Seed { get; }
    public uint Stream { get; }
    public uint Epoch { get; }

    /// <summary>Masking threshold of layer 0's input (CounterRng.BernoulliThreshold of the corruption probability).</summary>
    public ulong Threshold { get; }

    public int LanesPerRow { get; }
    public int ColumnsPerGroup { get; }
    public int SpinLimit { get; }

    public int Outputs(int layer) => layer switch
    {
        0 => Out0,
        1 => Out1,
        2 => Out2,
        3 => Out3,
        4 => Out4,
        _ => Out5,
    };

    public int Inputs(int layer) => layer == 0 ? Input : Outputs(layer - 1);

    /// <summary>Where layer l's outputs start in an activation (or delta) vector.</summary>
    public int Offset(int layer)
    {
        var offset = 0;
        for (var l = 0; l < layer; l++)
            offset += Outputs(l);
        return offset;
    }

    /// <summary>Σ outputs: the length of one activation vector.</summary>
    public int ActivationLength => Offset(Layers);
}

/// <summary>The weights [out, in] and biases [out] of up to six layers; unused layers hold any view.</summary>
public readonly struct ClassifierLayerViews
{
    public ClassifierLayerViews(ArrayView<float>[] weights, ArrayView<float>[] biases)
    {
        W0 = weights[0]; W1 = weights[1]; W2 = weights[2]; W3 = weights[3]; W4 = weights[4]; W5 = weights[5];
        B0 = biases[0]; B1 = biases[1]; B2 = biases[2]; B3 = biases[3]; B4 = biases[4]; B5 = biases[5];
    }

    public ArrayView<float> W0 { get; }
    public ArrayView<float> W1 { get; }
    public ArrayView<float> W2 { get; }
    public ArrayView<float> W3 { get; }
    public ArrayView<float> W4 { get; }
    public ArrayView<float> W5 { get; }
    public ArrayView<float> B0 { get; }
    public ArrayView<float> B1 { get; }
    public ArrayView<float> B2 { get; }
    public ArrayView<float> B3 { get; }
    public ArrayView<float> B4 { get; }
    public ArrayView<float> B5 { get; }

    public ArrayView<float> Weights(int layer) => layer switch
    {
        0 => W0,
        1 => W1,
        2 => W2,
        3 => W3,
        4 => W4,
        _ => W5,
    };

    public ArrayView<float> Bias(int layer) => layer switch
    {
        0 => B0,
        1 => B1,
        2 => B2,
        3 => B3,
        4 => B4,
        _ => B5,
    };
}
