namespace ILGPUAE.Training;

using ILGPUAE.Random;

/// <summary>The order examples are visited in: a fresh Fisher–Yates shuffle per epoch, keyed by (seed, epoch).</summary>
public static class EpochOrder
{
    public static int[] Shuffle(ulong seed, int epoch, int count) => Permutation(seed, RngStream.Shuffle, (uint)epoch, count);

    /// <summary>A Fisher–Yates permutation of 0 … count − 1 keyed by (<paramref name="seed"/>, <paramref name="stream"/>, <paramref name="counter"/>).</summary>
    public static int[] Permutation(ulong seed, RngStream stream, uint counter, int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)(CounterRng.Uniform(seed, (uint)stream, counter, (uint)i, 0) * (i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
