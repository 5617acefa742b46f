namespace ILGPUAE.IO;

/// <summary>Reads a whole user-supplied file, turning "not there" into an <see cref="InputException"/>.</summary>
public static class InputFile
{
    /// <summary>Returns the file's bytes; <paramref name="fullPath"/> should already be absolute so the message names it.</summary>
    public static byte[] ReadAllBytes(string fullPath)
    {
        try
        {
            return File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"{fullPath}: file not found", e);
        }
    }
}
