namespace ILGPUAE.Training;

/// <summary>
/// What a run does when the non-finite guard finds NaN or ±∞ (the options' <c>on_nan</c>; saved with them, so a resumed run
/// keeps it). Files written before it existed read as <see cref="Stop"/>.
/// </summary>
public enum NanPolicy
{
    /// <summary>Stop at the first non-finite loss, test loss or weight, naming the epoch, the step and the last good checkpoint.</summary>
    Stop,

    /// <summary>
    /// A batch whose loss or gradient is not finite is not applied (the generic step checks them before the update, so this
    /// policy forces the generic step); the epoch reports how many were skipped. A non-finite test loss or weight still stops.
    /// </summary>
    SkipBatch,
}

/// <summary>The policies' names as the options' JSON and the CLI spell them.</summary>
public static class NanPolicies
{
    /// <summary>"stop", "skip-batch".</summary>
    public static string Name(NanPolicy policy) => policy switch
    {
        NanPolicy.Stop => "stop",
        NanPolicy.SkipBatch => "skip-batch",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>The policy named <paramref name="name"/> ("stop", "skip-batch"); throws <see cref="IO.InputException"/> about on_nan otherwise.</summary>
    public static NanPolicy Parse(string name)
    {
        foreach (var policy in Enum.GetValues<NanPolicy>())
            if (Name(policy) == name)
                return policy;
        throw IO.InputException.ForSetting("on_nan", name, "stop or skip-batch");
    }
}

/// <summary>on_nan in the options' JSON: "stop", "skip-batch" (<see cref="NanPolicies.Name"/>), never a number.</summary>
public sealed class NanPolicyJsonConverter() : System.Text.Json.Serialization.JsonStringEnumConverter<NanPolicy>(
    System.Text.Json.JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false);
