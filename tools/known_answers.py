#!/usr/bin/env python3
"""Known answers for the engine's random draws, computed from the documented formulas with no engine code.

Prints the values the known-answer tests hard-code (tests/ILGPUAE.Tests/CounterRngKnownAnswerTests.cs and
tests/ILGPUAE.Tests/Training/InitAndShuffleKnownAnswerTests.cs). Python integers are exact, so every 64-bit
step is masked by hand; float32 rounding is struct's round-to-nearest, as C#'s (float) cast of a double.

    python3 tools/known_answers.py
"""
import math
import struct

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(z):
    """SplitMix64's output function (Steele, Lea, Flood 2014; Vigna's splitmix64.c)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def splitmix64(seed, count):
    """The reference generator: state += golden; return mix(state)."""
    state, out = seed, []
    for _ in range(count):
        state = (state + GOLDEN) & M64
        out.append(mix(state))
    return out


def hash64(seed, stream, a, b, c):
    """CounterRng.Hash64: fold each counter + 1 (64-bit arithmetic) into the state through mix."""
    h = mix((seed + GOLDEN * (stream + 1)) & M64)
    h = mix((h + GOLDEN * (a + 1)) & M64)
    h = mix((h + GOLDEN * (b + 1)) & M64)
    return mix((h + GOLDEN * (c + 1)) & M64)


def hash32(*key):
    return hash64(*key) >> 32


def uniform(*key):
    """The top 53 bits over 2^53: exact in double."""
    return (hash64(*key) >> 11) * 2.0 ** -53


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bernoulli_threshold(p):
    p = f32(p)
    if not p > 0:
        return 0
    if p >= 1:
        return 1 << 32
    return int(p * 4294967296.0)


STREAM_SHUFFLE, STREAM_INIT = 2, 3


def initial_weight(visible, hidden, seed, layer, h, v):
    """TiedAutoencoder.InitialWeights' element [h, v]: r·(2u − 1), r = 4·sqrt(6 / (hidden + visible)), rounded to float."""
    r = 4.0 * math.sqrt(6.0 / (hidden + visible))
    return f32(r * (2 * uniform(seed, STREAM_INIT, layer, h, v) - 1))


def shuffle(seed, epoch, count):
    """EpochOrder.Shuffle: Fisher-Yates from the top, j = floor(u·(i + 1))."""
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = int(uniform(seed, STREAM_SHUFFLE, epoch, i, 0) * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


if __name__ == "__main__":
    print("splitmix64(1234567):", splitmix64(1234567, 5))
    print("splitmix64(0):", splitmix64(0, 3))
    for z in [0, 1, 0xFFFFFFFFFFFFFFFF, 0x0123456789ABCDEF]:
        print(f"mix({z:#x}) = {mix(z)}")
    for key in [(0, 0, 0, 0, 0), (1, 1, 1, 1, 1), (12345, 1, 7, 100, 783), (M64, 6, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)]:
        print(f"key {key}: hash64 {hash64(*key)} hash32 {hash32(*key)} uniform {uniform(*key)!r} (= {hash64(*key) >> 11} / 2^53)")
    for p in [0.25, 0.1, 0.3, 1e-9, 0.999999, 0.0, 1.0, -0.5, 2.0]:
        print(f"threshold({p}) = {bernoulli_threshold(p)}")
    for (visible, hidden, seed, layer) in [(784, 7, 1, 0), (37, 33, 6, 0), (33, 17, 6, 1)]:
        r = f32(4.0 * math.sqrt(6.0 / (hidden + visible)))
        picks = [(0, 0), (0, 1), (hidden - 1, visible - 1), (hidden // 2, visible // 2)]
        values = [initial_weight(visible, hidden, seed, layer, h, v) for h, v in picks]
        print(f"init V={visible} H={hidden} seed={seed} layer={layer}: r={r!r}", [(h, v, repr(x)) for (h, v), x in zip(picks, values)])
    print("shuffle(1, 0, 10):", shuffle(1, 0, 10))
    print("shuffle(1, 1, 10):", shuffle(1, 1, 10))
    print("shuffle(11, 0, 2):", shuffle(11, 0, 2))
    print("shuffle(8, 3, 40):", shuffle(8, 3, 40))
