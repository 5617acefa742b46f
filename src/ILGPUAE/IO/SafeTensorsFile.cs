using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ILGPUAE.IO;

/// <summary>
/// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 header
/// length N, N bytes of UTF-8 JSON header padded with trailing spaces so that 8 + N is a multiple of 8,
/// then the byte buffer. The header maps each tensor name to
/// <c>{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}</c> (byte offsets into the buffer) and may
/// hold <c>"__metadata__": {string: string}</c>. Tensors are stored contiguously in list order, little-endian.
/// Only F32 tensors are supported; put integer state (seeds, step counts) in <see cref="Metadata"/> as
/// decimal strings, which keeps 64-bit values exact.
/// <para>
/// Every write also puts the SHA-256 of each tensor's bytes (as stored: little-endian, lower-case hex) in
/// <c>__metadata__</c> under <c>sha256.&lt;tensor name&gt;</c>, and every read checks them, so a flipped bit in the
/// data is reported naming the tensor. Files without these keys (written before they existed, or by other writers)
/// still load. The keys are the file's, not the caller's: <see cref="Metadata"/> never holds them.
/// </para>
/// </summary>
public sealed class SafeTensorsFile
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The metadata key of a tensor's SHA-256 is this prefix and the tensor's name.</summary>
    public const string Sha256Prefix = "sha256.";
    private const string F32 = "F32";
    private static readonly string[] TensorFields = ["dtype", "shape", "data_offsets"];

    private readonly Dictionary<string, NamedTensor> byName;

    /// <summary>Checks that names are unique and that every shape matches its data length.</summary>
    public SafeTensorsFile(IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Tensors = tensors.ToArray();
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>());
        if (Metadata.Keys.FirstOrDefault(key => key.StartsWith(Sha256Prefix, StringComparison.Ordinal)) is { } reserved)
            throw new ArgumentException($"metadata key '{reserved}' is reserved for the tensors' checksums", nameof(metadata));
        byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var tensor in Tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor.Name);
            if (tensor.Name == MetadataKey)
                throw new ArgumentException($"tensor name '{MetadataKey}' is reserved for metadata", nameof(tensors));
            if (!byName.TryAdd(tensor.Name, tensor))
                throw new ArgumentException($"tensor name '{tensor.Name}' appears twice", nameof(tensors));
            if (tensor.Shape.Any(dim => dim < 0))
                throw new ArgumentException($"tensor '{tensor.Name}' has shape {FormatShape(tensor.Shape)} with a negative dimension", nameof(tensors));
            if (tensor.ElementCount != tensor.Data.Length)
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' has shape {FormatShape(tensor.Shape)} ({tensor.ElementCount} elements) but {tensor.Data.Length} data elements",
                    nameof(tensors));
        }
    }

    /// <summary>Tensors in buffer order (the order they were written).</summary>
    public IReadOnlyList<NamedTensor> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool TryGet(string name, out NamedTensor tensor) => byName.TryGetValue(name, out tensor!);

    /// <summary>Writes the file atomically (see <see cref="AtomicFile"/>).</summary>
    public void Write(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>Writes the file to <paramref name="stream"/> (a checkpoint stages it: see <see cref="CheckpointCommit"/>).</summary>
    public void Write(Stream stream) => WriteTo(stream);

    private void WriteTo(Stream stream)
    {
        var chunk = new byte[64 * 1024];
        var sums = Tensors.Select(tensor =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            EncodeChunks(tensor.Data, chunk, count => sha.AppendData(chunk, 0, count));
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }).ToArray();
        var header = EncodeHeader(sums);
        // Pad with spaces so that the buffer starts at a multiple of 8 bytes from the start of the file.
        var paddedLength = (8 + header.Length + 7) / 8 * 8 - 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)paddedLength);
        stream.Write(prefix);
        stream.Write(header);
        for (var i = header.Length; i < paddedLength; i++)
            stream.WriteByte((byte)' ');

        foreach (var tensor in Tensors)
            EncodeChunks(tensor.Data, chunk, count => stream.Write(chunk, 0, count));
    }

    /// <summary>Puts <paramref name="data"/> into <paramref name="chunk"/> as little-endian bytes, a chunk at a time, handing each to <paramref name="consume"/> (its byte count).</summary>
    private static void EncodeChunks(float[] data, byte[] chunk, Action<int> consume)
    {
        for (var start = 0; start < data.Length; start += chunk.Length / 4)
        {
            var count = Math.Min(chunk.Length / 4, data.Length - start);
            for (var i = 0; i < count; i++)
                BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), data[start + i]);
            consume(4 * count);
        }
    }

    /// <param name="sums">The SHA-256 of each tensor's bytes, in <see cref="Tensors"/> order.</param>
    private byte[] EncodeHeader(string[] sums)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps names and metadata readable in the header (only HTML contexts need more).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0 || Tensors.Count > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in Metadata)
                    json.WriteString(key, value);
                for (var i = 0; i < Tensors.Count; i++)
                    json.WriteString(Sha256Prefix + Tensors[i].Name, sums[i]);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in Tensors)
            {
                var end = offset + 4L * tensor.Data.Length;
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", F32);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads and validates a safetensors file. Any structural problem (short file, header length beyond
    /// the file, a header that is not UTF-8 or not valid JSON, a dtype other than F32, offsets that disagree
    /// with the shape, fall outside the buffer, overlap or leave gaps, non-string metadata) or a tensor whose
    /// bytes fail their SHA-256 throws <see cref="InputException"/> naming the file and what was expected.
    /// </summary>
    public static SafeTensorsFile Read(string path)
    {
        var fullPath = InputFile.FullPath(path);
        var file = InputFile.ReadAllBytes(fullPath);
        if (file.Length < 8)
            throw new InputException($"{fullPath}: file is {file.Length} bytes, expected at least 8 (safetensors header length)");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8))
            throw new InputException(
                $"{fullPath}: header length is {headerLength} bytes, expected at most {file.Length - 8} (the bytes after the 8-byte length)");
        var bufferStart = 8 + (int)headerLength;
        var buffer = file.AsMemory(bufferStart);

        using var header = ParseHeader(fullPath, file.AsMemory(8, (int)headerLength));
        var metadata = new Dictionary<string, string>();
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
                ReadMetadata(fullPath, property.Value, metadata, sums);
            else
                entries.Add(ReadEntry(fullPath, property, buffer.Length));
        }

        // The buffer must be covered exactly: in buffer order, each tensor starts where the previous ended.
        // OrderBy is stable, so zero-byte tensors at the same offset keep their header order.
        entries = entries.OrderBy(entry => entry.Begin).ThenBy(entry => entry.End).ToList();
        long covered = 0;
        string? previous = null;
        foreach (var entry in entries)
        {
            if (entry.Begin < covered)
                throw new InputException(
                    $"{fullPath}: tensor '{entry.Name}' data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous}', expected to begin at byte {covered}");
            if (entry.Begin > covered)
                throw new InputException(
                    $"{fullPath}: tensor '{entry.Name}' data_offsets [{entry.Begin}, {entry.End}] leave a gap, expected to begin at byte {covered}");
            covered = entry.End;
            previous = entry.Name;
        }
        if (covered != buffer.Length)
            throw new InputException(
                $"{fullPath}: byte buffer is {buffer.Length} bytes, expected {covered} (the end of the last tensor's data_offsets)");

        CheckSums(fullPath, buffer.Span, entries, sums);

        var tensors = entries.Select(entry =>
        {
            var data = new float[(entry.End - entry.Begin) / 4];
            var bytes = buffer.Span[(int)entry.Begin..(int)entry.End];
            for (var i = 0; i < data.Length; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            return new NamedTensor(entry.Name, entry.Shape, data);
        });
        return new SafeTensorsFile(tensors, metadata);
    }

    private static JsonDocument ParseHeader(string fullPath, ReadOnlyMemory<byte> utf8)
    {
        // The JSON parser leaves some invalid UTF-8 (inside names and strings) to be found when a name is decoded,
        // as an exception of another kind; checking every byte first keeps the error one line naming the byte.
        if (!Utf8.IsValid(utf8.Span))
        {
            var at = 0;
            while (Rune.DecodeFromUtf8(utf8.Span[at..], out _, out var used) == OperationStatus.Done)
                at += used;
            throw new InputException(
                $"{fullPath}: header byte {8 + at} (0x{utf8.Span[at]:X2}) is not valid UTF-8, expected a UTF-8 JSON header");
        }
        JsonDocument document;
        try
        {
            // Rejecting duplicate names here means a tensor cannot be listed twice.
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new InputException($"{fullPath}: header is not valid JSON, expected a UTF-8 JSON object ({e.Message})", e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new InputException($"{fullPath}: header is a JSON {kind}, expected an object");
        }
        return document;
    }

    /// <summary>Fills <paramref name="metadata"/> with the caller's keys and <paramref name="sums"/> (tensor name → hex) with the checksums.</summary>
    private static void ReadMetadata(string fullPath, JsonElement element, Dictionary<string, string> metadata, Dictionary<string, string> sums)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InputException($"{fullPath}: {MetadataKey} is a JSON {element.ValueKind}, expected an object of strings");
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InputException(
                    $"{fullPath}: {MetadataKey} value for key '{item.Name}' is a JSON {item.Value.ValueKind}, expected a string");
            if (item.Name.StartsWith(Sha256Prefix, StringComparison.Ordinal))
                sums[item.Name[Sha256Prefix.Length..]] = item.Value.GetString()!;
            else
                metadata[item.Name] = item.Value.GetString()!;
        }
    }

    /// <summary>
    /// Checks each tensor's bytes against its stored SHA-256. A file with no sums (older or foreign writers) passes;
    /// one with sums must have exactly one, 64 hex digits, for every tensor, so a lost key is caught as well as a flipped bit.
    /// </summary>
    private static void CheckSums(string fullPath, ReadOnlySpan<byte> buffer, List<(string Name, int[] Shape, long Begin, long End)> entries,
        Dictionary<string, string> sums)
    {
        if (sums.Count == 0)
            return;
        var names = entries.Select(entry => entry.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, stored) in sums)
        {
            if (!names.Contains(name))
                throw new InputException($"{fullPath}: {MetadataKey}.{Sha256Prefix}{name} names no tensor in the file; expected one sum per tensor");
            if (stored.Length != 64 || !stored.All(char.IsAsciiHexDigit))
                throw new InputException($"{fullPath}: {MetadataKey}.{Sha256Prefix}{name} is '{stored}', expected 64 hex digits (a SHA-256)");
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        foreach (var entry in entries)
        {
            if (!sums.TryGetValue(entry.Name, out var stored))
                throw new InputException(
                    $"{fullPath}: tensor '{entry.Name}' has no {MetadataKey}.{Sha256Prefix}{entry.Name} while the other tensors have theirs; the file is corrupted");
            SHA256.HashData(buffer[(int)entry.Begin..(int)entry.End], hash);
            var computed = Convert.ToHexStringLower(hash);
            if (!string.Equals(stored, computed, StringComparison.OrdinalIgnoreCase))
                throw new InputException(
                    $"{fullPath}: tensor '{entry.Name}' fails its SHA-256 check (stored {stored}, computed {computed}); the file is corrupted");
        }
    }

    private static (string Name, int[] Shape, long Begin, long End) ReadEntry(string fullPath, JsonProperty property, int bufferLength)
    {
        var where = $"{fullPath}: tensor '{property.Name}'";
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
            throw new InputException($"{where} is a JSON {value.ValueKind}, expected an object with dtype, shape and data_offsets");
        foreach (var field in value.EnumerateObject())
            if (!TensorFields.Contains(field.Name))
                throw new InputException($"{where} has field '{field.Name}', expected only dtype, shape and data_offsets");

        if (!value.TryGetProperty("dtype", out var dtype))
            throw new InputException($"{where} has no dtype, expected \"F32\"");
        if (dtype.ValueKind != JsonValueKind.String || dtype.GetString() != F32)
            throw new InputException($"{where} has dtype {dtype.GetRawText()}, expected \"F32\"");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InputException($"{where} has no shape array, expected e.g. \"shape\":[784,500]");
        var shape = new int[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out shape[i]) || shape[i] < 0)
                throw new InputException($"{where} has shape dimension {dim.GetRawText()}, expected an integer in [0, {int.MaxValue}]");
            i++;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
            throw new InputException($"{where} has no data_offsets pair, expected \"data_offsets\":[begin,end]");
        var begin = ReadOffset(where, offsets[0], bufferLength);
        var end = ReadOffset(where, offsets[1], bufferLength);
        if (end < begin)
            throw new InputException($"{where} has data_offsets [{begin}, {end}], expected begin <= end");

        // The running product is at most the buffer length (< 2^31) before each multiply by a dimension
        // (< 2^31), so it cannot overflow a long before the check below stops it.
        long expectedBytes = shape.Contains(0) ? 0 : 4;
        foreach (var dim in shape)
        {
            expectedBytes *= dim;
            if (expectedBytes > bufferLength)
                throw new InputException(
                    $"{where} has shape {FormatShape(shape)}, which needs more than the {bufferLength}-byte buffer");
        }
        if (end - begin != expectedBytes)
            throw new InputException(
                $"{where} has data_offsets [{begin}, {end}] ({end - begin} bytes), expected {expectedBytes} bytes (shape {FormatShape(shape)} × 4 bytes for F32)");
        return (property.Name, shape, begin, end);
    }

    private static long ReadOffset(string where, JsonElement element, int bufferLength)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetUInt64(out var offset))
            throw new InputException($"{where} has data offset {element.GetRawText()}, expected a non-negative integer");
        if (offset > (ulong)bufferLength)
            throw new InputException($"{where} has data offset {offset}, expected at most {bufferLength} (the byte buffer length)");
        return (long)offset;
    }

    private static string FormatShape(int[] shape) => $"[{string.Join(", ", shape)}]";
}
