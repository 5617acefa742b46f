namespace ILGPUAE.Training;

using ILGPUAE.Random;

/// <summary>The order examples are visited in: a fresh Fisher–Yates shuffle per epoch, keyed by (seed, epoch).</summary>
public static class EpochOrder
{
    public static int[] Shuffle(ulong seed, int epoch, int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)(CounterRng.Uniform(seed, (uint)RngStream.Shuffle, (uint)epoch, (uint)i, 0) * (i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
