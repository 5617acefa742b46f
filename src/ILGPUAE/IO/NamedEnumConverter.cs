namespace ILGPUAE.IO;

using System.Text.Json.Serialization;

/// <summary>
/// Writes an enum as its name and reads only names back: <see cref="JsonStringEnumConverter{TEnum}"/> by default also takes
/// any integer (<c>"loss": 7</c>), which would read as a value the enum does not define. A number is a
/// <see cref="System.Text.Json.JsonException"/> here; callers still check <see cref="Enum.IsDefined{TEnum}(TEnum)"/>, since
/// a comma-separated list of names reads as their bitwise or.
/// </summary>
public sealed class NamedEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
