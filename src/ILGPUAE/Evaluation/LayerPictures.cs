namespace ILGPUAE.Evaluation;

using ILGPUAE.Data;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Training;

/// <summary>The pictures of a first-layer denoising autoencoder on square images: its filters and its reconstructions of masked test digits.</summary>
public static class LayerPictures
{
    public const string FiltersFileName = "filters.png";
    public const string ReconstructionsFileName = "reconstructions.png";

    /// <summary>The mask epoch of the pictures' corruption: far from any training epoch's masks.</summary>
    public const uint PictureEpoch = 1_000_000;

    /// <summary>
    /// filters.png: the first 100 hidden units as a 10×10 grid of side×side tiles, each its maximally activating input
    /// W[h, :] / ‖W[h, :]‖ (<see cref="UnitVisualization"/>, what `visualize` draws) normalised to its own range — the weight row
    /// itself up to a positive factor, which that normalisation removes.
    /// </summary>
    public static void WriteFilters(string path, TiedAutoencoder model, int side)
    {
        RequireSquare(model.Visible, side);
        var units = Math.Min(UnitVisualization.DefaultUnits, model.Hidden);
        model.Backend.Synchronize();
        var inputs = UnitVisualization.MaxActivatingInputs(model.Weights.Slice(0, units).ToArray(), units, model.Visible);
        UnitVisualization.Picture(inputs, units, side, 10, UnitScaling.Own).Write(path);
    }

    /// <summary>
    /// reconstructions.png: 10 rows of 5 pairs — the first 50 test images with the run's masking noise
    /// (key (seed, mask, <see cref="PictureEpoch"/>, test index, pixel)), each followed by its reconstruction.
    /// </summary>
    public static void WriteReconstructions(string path, TiedAutoencoder model, Dataset test, DaeOptions options) =>
        WriteReconstructions(path, model, test, options.Seed, options.Corruption);

    /// <summary>The same for a run of <paramref name="seed"/> whose inputs are masked with probability <paramref name="corruption"/>.</summary>
    public static void WriteReconstructions(string path, TiedAutoencoder model, Dataset test, ulong seed, float corruption)
    {
        RequireSquare(model.Visible, test.Rows);
        var count = Math.Min(50, test.Count);
        var backend = model.Backend;
        using var x = backend.Allocate<float>(count, model.Visible);
        using var corrupted = backend.Allocate<float>(count, model.Visible);
        using var indices = backend.Allocate<int>(count);
        using var hidden = backend.Allocate<float>(count, model.Hidden);
        using var output = backend.Allocate<float>(count, model.Visible);
        x.CopyFrom(test.Pixels.AsSpan(0, count * model.Visible));
        indices.CopyFrom(Enumerable.Range(0, count).ToArray());
        backend.Corruption.Mask(x, indices, new NoiseKey(seed, RngStream.Mask, PictureEpoch), corruption, corrupted);
        model.Encode(corrupted, hidden);
        model.Decode(hidden, output);
        backend.Synchronize();
        var masked = corrupted.ToArray();
        var reconstructed = output.ToArray();
        var image = new TileImage(test.Rows, 10, (count + 4) / 5);
        for (var i = 0; i < count; i++)
        {
            image.Draw(i / 5, 2 * (i % 5), masked.AsSpan(i * model.Visible, model.Visible), TileScaling.UnitInterval);
            image.Draw(i / 5, 2 * (i % 5) + 1, reconstructed.AsSpan(i * model.Visible, model.Visible), TileScaling.UnitInterval);
        }
        image.Write(path);
    }

    private static void RequireSquare(int visible, int side)
    {
        if (side * side != visible)
            throw new ArgumentException($"pictures need square images: {visible} inputs are not {side}×{side}");
    }
}
