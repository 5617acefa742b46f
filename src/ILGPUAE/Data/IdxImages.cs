namespace ILGPUAE.Data;

/// <summary>Images from an IDX3 file; <see cref="Pixels"/> is [Count, Rows, Cols] row-major, 0–255.</summary>
public readonly record struct IdxImages(int Count, int Rows, int Cols, byte[] Pixels);
