namespace ILGPUAE.Tests.IO;

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ILGPUAE.IO;

public class SafeTensorsFileTests
{
    [Fact]
    public void RoundTripKeepsOrderShapesMetadataAndBitExactData()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        // Awkward values: signed zero, NaN with a payload, subnormal, extremes.
        var awkward = new[]
        {
            -0f, BitConverter.Int32BitsToSingle(0x7fc12345), float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, 1f / 3f,
        };
        var weights = Enumerable.Range(0, 6 * 7).Select(i => MathF.Sin(i) * 1e-3f).ToArray();
        var original = new SafeTensorsFile(
            [
                new NamedTensor("encoder.weight", [6, 7], weights),
                new NamedTensor("awkward", [7], awkward),
                new NamedTensor("scalar", [], [2.5f]),
                new NamedTensor("empty", [0, 3], []),
                new NamedTensor("bias.ünïcode", [1, 2], [1f, -1f]),
            ],
            new Dictionary<string, string> { ["seed"] = "18446744073709551615", ["note"] = "a+b <c> \"q\"" });

        original.Write(path);
        var read = SafeTensorsFile.Read(path);

        Assert.Equal(original.Tensors.Select(t => t.Name), read.Tensors.Select(t => t.Name));
        for (var i = 0; i < original.Tensors.Count; i++)
        {
            Assert.Equal(original.Tensors[i].Shape, read.Tensors[i].Shape);
            Assert.Equal(Bits(original.Tensors[i].Data), Bits(read.Tensors[i].Data));
        }
        Assert.Equal(original.Metadata.OrderBy(p => p.Key), read.Metadata.OrderBy(p => p.Key));
        Assert.True(read.TryGet("scalar", out var scalar));
        Assert.Equal(2.5f, Assert.Single(scalar.Data));
        Assert.False(read.TryGet("missing", out _));
    }

    [Fact]
    public void OnDiskBytesFollowTheSpec()
    {
        using var dir = new TempDirectory();
        var path = dir.File("tiny.safetensors");
        new SafeTensorsFile(
            [new NamedTensor("w", [2, 1], [1f, -2f]), new NamedTensor("b", [1], [0.5f])],
            new Dictionary<string, string> { ["k"] = "v" }).Write(path);

        var bytes = File.ReadAllBytes(path);
        byte[] wBytes = [0x00, 0x00, 0x80, 0x3f, /* 1f */ 0x00, 0x00, 0x00, 0xc0 /* -2f */];
        byte[] bBytes = [0x00, 0x00, 0x00, 0x3f /* 0.5f */];
        // The caller's metadata, then each tensor's SHA-256 (lower-case hex) in tensor order.
        var json = "{\"__metadata__\":{\"k\":\"v\"," +
            $"\"sha256.w\":\"{Convert.ToHexStringLower(SHA256.HashData(wBytes))}\",\"sha256.b\":\"{Convert.ToHexStringLower(SHA256.HashData(bBytes))}\"}}," +
            "\"w\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        // 291 bytes of JSON; 8 + 291 = 299, so 5 spaces pad the header to N = 296 and the buffer starts at 304.
        Assert.Equal(291, json.Length);
        Assert.Equal(296UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json + "     ", Encoding.UTF8.GetString(bytes, 8, 296));
        Assert.Equal([.. wBytes, .. bBytes], bytes[304..]);
    }

    [Fact]
    public void AFlippedBitInAnyTensorsDataIsReportedNamingThatTensor()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        new SafeTensorsFile(
            [new NamedTensor("W", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]), new NamedTensor("b_hidden", [2], [0.5f, -0.5f])],
            new Dictionary<string, string> { ["epochs"] = "3" }).Write(path);
        var clean = File.ReadAllBytes(path);
        var bufferStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(clean);

        // Bytes 0–23 of the buffer are W's, 24–31 b_hidden's; a flip in either is caught and names its tensor.
        foreach (var (offset, tensor) in new[] { (0, "W"), (13, "W"), (23, "W"), (24, "b_hidden"), (31, "b_hidden") })
        {
            var bytes = clean.ToArray();
            bytes[bufferStart + offset] ^= 0x04;
            File.WriteAllBytes(path, bytes);
            var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(path));
            Assert.StartsWith($"{path}: tensor '{tensor}' fails its SHA-256 check (stored ", error.Message);
            Assert.EndsWith("; the file is corrupted", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }

        File.WriteAllBytes(path, clean);
        var read = SafeTensorsFile.Read(path);
        Assert.Equal(new Dictionary<string, string> { ["epochs"] = "3" }, read.Metadata);
    }

    [Theory]
    [InlineData("""{"__metadata__":{"sha256.w":"{W}","sha256.b":"{B}"},""", "")] // control: valid
    [InlineData("""{"__metadata__":{"sha256.w":"{W}"},""", "tensor 'b' has no __metadata__.sha256.b while the other tensors have theirs")]
    [InlineData("""{"__metadata__":{"sha256.w":"zz","sha256.b":"{B}"},""", "__metadata__.sha256.w is 'zz', expected 64 hex digits")]
    [InlineData("""{"__metadata__":{"sha256.w":"{W}","sha256.b":"{B}","sha256.ghost":"{B}"},""", "__metadata__.sha256.ghost names no tensor")]
    [InlineData("""{"__metadata__":{"sha256.w":"{B}","sha256.b":"{W}"},""", "tensor 'w' fails its SHA-256 check")]
    public void SumsThatAreMissingMalformedStrayOrSwappedAreRefused(string metadata, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.safetensors");
        byte[] w = [0, 0, 0x80, 0x3f], b = [0, 0, 0, 0x40];
        var header = metadata.Replace("{W}", Convert.ToHexStringLower(SHA256.HashData(w))).Replace("{B}", Convert.ToHexStringLower(SHA256.HashData(b))) +
            "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        WriteRaw(path, header, [.. w, .. b]);

        if (expected == "")
        {
            Assert.Equal([1f, 2f], SafeTensorsFile.Read(path).Tensors.Select(t => t.Data[0]));
            return;
        }
        var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void FilesWithoutSumsStillLoad()
    {
        // The golden checkpoints were written before the sums existed.
        var golden = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden", "data"), "*.safetensors");
        Assert.NotEmpty(golden);
        foreach (var path in golden)
        {
            Assert.DoesNotContain("sha256.", Encoding.UTF8.GetString(File.ReadAllBytes(path)[..4096]));
            Assert.NotEmpty(SafeTensorsFile.Read(path).Tensors);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xff }, 8 + 2)]              // never valid in UTF-8
    [InlineData(new byte[] { 0xc3 }, 8 + 2)]              // a lead byte without its continuation
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 }, 8 + 2)]  // an encoded surrogate (U+D800)
    public void AHeaderThatIsNotUtf8IsOneLineNamingTheByte(byte[] bad, int badOffset)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        // {"<bad>":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}: the tensor's name holds the bad bytes.
        byte[] json = [.. "{\""u8, .. bad, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8];
        var bytes = new byte[8 + json.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(path));
        Assert.Equal($"{path}: header byte {badOffset} (0x{bad[0]:X2}) is not valid UTF-8, expected a UTF-8 JSON header", error.Message);
    }

    [Fact]
    public void MetadataKeysOfTheSumsAreReserved() =>
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([], new Dictionary<string, string> { ["sha256.w"] = "0" }));

    [Fact]
    public void ReadsTensorsInBufferOrderWhateverTheHeaderOrder()
    {
        // Other writers (Python's safetensors) sort header keys by name and may omit padding.
        using var dir = new TempDirectory();
        var path = dir.File("sorted.safetensors");
        WriteRaw(path,
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);

        var read = SafeTensorsFile.Read(path);

        Assert.Equal(["z", "a"], read.Tensors.Select(t => t.Name));
        Assert.Equal([1f], read.Tensors[0].Data);
        Assert.Equal([2f], read.Tensors[1].Data);
        Assert.Empty(read.Metadata);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "")] // control: valid
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]""", 8, "header is not valid JSON")]
    [InlineData("""[1,2]""", 0, "header is a JSON Array, expected an object")]
    [InlineData("""{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4, "tensor 'w' has dtype \"F16\", expected \"F32\"")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8, "tensor 'w' has data_offsets [0, 4] (4 bytes), expected 8 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[65536,65536,65536],"data_offsets":[0,4]}}""", 4, "needs more than the 4-byte buffer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "data offset 8, expected at most 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,0]}}""", 4, "expected begin <= end")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "shape dimension -2, expected an integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}""", 8, "has field 'extra'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", 8, "has no data_offsets pair")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12,
        "tensor 'b' data_offsets [4, 12] overlap tensor 'a', expected to begin at byte 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12,
        "tensor 'b' data_offsets [8, 12] leave a gap, expected to begin at byte 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "byte buffer is 8 bytes, expected 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4,
        "header is not valid JSON")]
    [InlineData("""{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4,
        "__metadata__ value for key 'epoch' is a JSON Number, expected a string")]
    [InlineData("""{"__metadata__":["x"]}""", 0, "__metadata__ is a JSON Array, expected an object of strings")]
    public void CorruptHeadersThrowInputExceptionNamingTheFile(string header, int bufferBytes, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        WriteRaw(path, header, new byte[bufferBytes]);

        if (expected == "")
        {
            Assert.Single(SafeTensorsFile.Read(path).Tensors);
            return;
        }
        var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ShortFilesThrowInputExceptionNamingTheFile()
    {
        using var dir = new TempDirectory();
        var tiny = dir.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        var error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(tiny));
        Assert.Equal($"{tiny}: file is 3 bytes, expected at least 8 (safetensors header length)", error.Message);

        var truncated = dir.File("truncated.safetensors");
        var bytes = new byte[8 + 10];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(truncated, bytes);
        error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(truncated));
        Assert.Equal($"{truncated}: header length is 1000 bytes, expected at most 10 (the bytes after the 8-byte length)", error.Message);

        var missing = dir.File("missing.safetensors");
        error = Assert.Throws<InputException>(() => SafeTensorsFile.Read(missing));
        Assert.Equal($"{missing}: file not found", error.Message);
    }

    [Fact]
    public void ConstructorRejectsInconsistentTensors()
    {
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new NamedTensor("w", [2, 2], [1f, 2f, 3f])]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new NamedTensor("w", [1], [1f]), new NamedTensor("w", [1], [2f])]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile([new NamedTensor("__metadata__", [1], [1f])]));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Writes a file with the given header (unpadded) and buffer, bypassing the writer.</summary>
    private static void WriteRaw(string path, string header, byte[] buffer)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        buffer.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
    }
}
