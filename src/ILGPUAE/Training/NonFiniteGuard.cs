namespace ILGPUAE.Training;

using ILGPUAE.Backend;

/// <summary>
/// The weights' half of the non-finite guard: <see cref="Scan"/> launches the backend's scan (<see cref="INonFinite.Flag"/>) over
/// every parameter into one int on the device, and <see cref="Read"/> reads that int back beside the losses, once per report
/// interval: a step pays nothing. The flag holds 1 + the index of the first parameter found non-finite, so the stop names it.
/// </summary>
public sealed class NonFiniteGuard : IDisposable
{
    private readonly IBackend backend;
    private readonly (string Name, Tensor<float> Value)[] parameters;
    private readonly Tensor<int> flag;
    private readonly int[] host = new int[1];

    /// <param name="parameters">The model's parameters under their checkpoint names (views of the model's tensors, not copies).</param>
    public NonFiniteGuard(IBackend backend, IEnumerable<(string Name, Tensor<float> Value)> parameters)
    {
        this.backend = backend;
        this.parameters = [.. parameters];
        flag = backend.Allocate<int>(1);
    }

    /// <summary>Launches the scan of every parameter; the flag keeps the first non-finite one's code.</summary>
    public void Scan()
    {
        for (var i = 0; i < parameters.Length; i++)
            backend.NonFinite.Flag(parameters[i].Value, i + 1, flag);
    }

    /// <summary>The name of the first parameter the scans found holding NaN or ±∞, or null; clears the flag.</summary>
    public string? Read()
    {
        backend.Synchronize();
        flag.CopyTo(host);
        if (host[0] == 0)
            return null;
        var name = parameters[host[0] - 1].Name;
        host[0] = 0;
        flag.CopyFrom(host);
        return name;
    }

    public void Dispose() => flag.Dispose();
}
