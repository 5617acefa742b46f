namespace ILGPUAE.Tests.IO;

/// <summary>Environment variables set for the length of one call (tests run one at a time, so no other test sees them).</summary>
public static class TestEnvironment
{
    /// <summary>Runs <paramref name="action"/> with <paramref name="name"/> set to <paramref name="value"/> (null unsets it), then restores it.</summary>
    public static T With<T>(string name, string? value, Func<T> action)
    {
        var saved = Environment.GetEnvironmentVariable(name);
        try
        {
            Environment.SetEnvironmentVariable(name, value);
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, saved);
        }
    }
}
