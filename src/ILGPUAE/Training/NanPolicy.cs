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

    /// <summary>
    /// Back to the last good state (the last checkpoint's, kept in memory) at half the learning rate, at most
    /// <see cref="NanPolicies.MaxHalvings"/> times in a run's session, then stop; each restart is one line and is recorded in
    /// metrics.json with the epoch that finished after it. The halved rate is saved with the options, so a resumed run keeps it.
    /// A reconstruction run's policy (train dae, pretrain): fine-tuning's rate belongs to its own schedule.
    /// </summary>
    HalveLearningRate,
}

/// <summary>The policies' names as the options' JSON and the CLI spell them.</summary>
public static class NanPolicies
{
    /// <summary>How many times <see cref="NanPolicy.HalveLearningRate"/> restarts before it stops.</summary>
    public const int MaxHalvings = 5;

    /// <summary>"stop", "skip-batch", "halve-lr".</summary>
    public static string Name(NanPolicy policy) => policy switch
    {
        NanPolicy.Stop => "stop",
        NanPolicy.SkipBatch => "skip-batch",
        NanPolicy.HalveLearningRate => "halve-lr",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>The policy named <paramref name="name"/>; throws <see cref="IO.InputException"/> about on_nan otherwise.</summary>
    public static NanPolicy Parse(string name)
    {
        foreach (var policy in Enum.GetValues<NanPolicy>())
            if (Name(policy) == name)
                return policy;
        throw IO.InputException.ForSetting("on_nan", name, "stop, skip-batch or halve-lr");
    }
}

/// <summary>on_nan in the options' JSON as <see cref="NanPolicies.Name"/> spells it ("stop", "skip-batch", "halve-lr"), never a number.</summary>
public sealed class NanPolicyJsonConverter : System.Text.Json.Serialization.JsonConverter<NanPolicy>
{
    public override NanPolicy Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        var name = reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
        foreach (var policy in Enum.GetValues<NanPolicy>())
            if (NanPolicies.Name(policy) == name)
                return policy;
        throw new System.Text.Json.JsonException($"on_nan: expected \"stop\", \"skip-batch\" or \"halve-lr\"");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, NanPolicy value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(NanPolicies.Name(value));
}
