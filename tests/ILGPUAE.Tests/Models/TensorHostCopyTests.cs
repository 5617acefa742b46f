namespace ILGPUAE.Tests.Models;

using ILGPUAE.Tests.Kernels;

/// <summary>
/// Host copies must pin the managed array they read or write: ILGPU's copies take a raw address, and a
/// compacting GC that moves an unpinned array mid-copy leaves it unwritten. Found as an intermittent
/// model.safetensors whose W was all zeros (`train dae` under load); here the GC is forced.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TensorHostCopyTests(CpuAcceleratorFixture fixture)
{
    // Unpinned, about one copy in a few hundred was hit (or the process crashed); 3000 round trips take ~0.15 s.
    private const int Rounds = 3000;

    [Fact]
    public void CopiesSurviveCompactingCollectionsOnAnotherThread()
    {
        // The size of W for hidden 20 × visible 784: below the large-object threshold, so the GC moves it.
        const int length = 20 * 784;
        var values = Enumerable.Range(1, length).Select(i => (float)i).ToArray();
        using var tensor = fixture.Backend.Allocate<float>(20, 784);

        var stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                _ = new byte[1000];
                GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
            }
        });
        collector.Start();
        var badReads = 0;
        var badWrites = 0;
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var source = (float[])values.Clone();
                source[round] = -round;
                tensor.CopyFrom(source);
                var back = tensor.ToArray();
                if (back[length - 1] != length)
                    badReads++;
                else if (back[round] != -round || back[(round + 1) % length] != values[(round + 1) % length])
                    badWrites++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        Assert.True(badReads == 0 && badWrites == 0, $"of {Rounds} round trips, {badReads} reads came back unwritten and {badWrites} writes were wrong");
    }
}
