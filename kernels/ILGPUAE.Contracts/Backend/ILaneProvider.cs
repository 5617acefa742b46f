namespace ILGPUAE.Backend;

/// <summary>
/// A backend that hands out lanes: backends that run on the calling thread alone but share this
/// backend's memory, so several workers can launch kernels at once on the same tensors (Hogwild SGD).
/// Tensors of the provider and of its lanes may be mixed freely in any lane's launches.
/// </summary>
public interface ILaneProvider
{
    /// <summary>How many lanes can usefully run at once (e.g. cores).</summary>
    int MaxLanes { get; }

    /// <summary>A new lane; dispose it before the provider.</summary>
    IBackend CreateLane();
}
