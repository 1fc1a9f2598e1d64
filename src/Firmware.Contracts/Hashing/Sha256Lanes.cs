using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Firmware.Contracts.Hashing;

/// <summary>
/// SHA-256 (FIPS 180-4) of many independent messages at once: eight messages per pass, one in each
/// 32-bit lane of a 256-bit vector. On a CPU without SHA instructions a call through
/// <see cref="SHA256"/> costs about as much in overhead as hashing a short message; a batch of
/// leaves or of one tree level's node hashes has no such overhead here. Where 256-bit vectors are
/// not accelerated it falls back to <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>.
/// </summary>
public static class Sha256Lanes
{
    private const int Lanes = 8;

    private static readonly uint[] K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] Initial =
    [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];

    /// <summary>True when batches are hashed eight at a time (else one by one through <see cref="SHA256"/>).</summary>
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Writes SHA-256 of message <c>i</c> — <paramref name="lengths"/>[i] bytes of
    /// <paramref name="buffer"/> from <paramref name="offsets"/>[i] — to <paramref name="destination"/>[i].
    /// </summary>
    /// <exception cref="ArgumentException">When the three lists differ in length or a message lies outside the buffer.</exception>
    public static void HashAll(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, Span<Hash32> destination)
    {
        if (offsets.Length != lengths.Length || destination.Length != lengths.Length)
        {
            throw new ArgumentException($"offsets ({offsets.Length}), lengths ({lengths.Length}) and destination ({destination.Length}) must have the same length");
        }
        for (var i = 0; i < lengths.Length; i++)
        {
            if (offsets[i] < 0 || lengths[i] < 0 || (long)offsets[i] + lengths[i] > buffer.Length)
            {
                throw new ArgumentException($"message {i} [{offsets[i]}, +{lengths[i]}) lies outside the {buffer.Length}-byte buffer", nameof(offsets));
            }
        }
        var done = 0;
        if (IsAccelerated)
        {
            // A short tail is cheaper one by one than as a mostly empty group.
            for (; lengths.Length - done >= Lanes / 2; done += Lanes)
            {
                var count = Math.Min(Lanes, lengths.Length - done);
                HashGroup(buffer, offsets.Slice(done, count), lengths.Slice(done, count), destination.Slice(done, count));
            }
        }
        for (; done < lengths.Length; done++)
        {
            SHA256.HashData(buffer.Slice(offsets[done], lengths[done]), destination[done].WritableBytes());
        }
    }

    // Up to eight messages; lanes past the count and lanes whose message has no more blocks
    // compute on zeros and keep their state.
    private static void HashGroup(ReadOnlySpan<byte> buffer, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, Span<Hash32> destination)
    {
        var count = lengths.Length;
        Span<int> blocks = stackalloc int[Lanes];
        var maxBlocks = 0;
        for (var lane = 0; lane < Lanes; lane++)
        {
            // Message, 0x80, zeros, 64-bit bit length: whole 64-byte blocks.
            blocks[lane] = lane < count ? (lengths[lane] + 9 + 63) / 64 : 0;
            maxBlocks = Math.Max(maxBlocks, blocks[lane]);
        }

        var a = Vector256.Create(Initial[0]);
        var b = Vector256.Create(Initial[1]);
        var c = Vector256.Create(Initial[2]);
        var d = Vector256.Create(Initial[3]);
        var e = Vector256.Create(Initial[4]);
        var f = Vector256.Create(Initial[5]);
        var g = Vector256.Create(Initial[6]);
        var h = Vector256.Create(Initial[7]);

        Span<uint> words = stackalloc uint[16 * Lanes];
        Span<uint> active = stackalloc uint[Lanes];
        Span<byte> block = stackalloc byte[64];
        Span<Vector256<uint>> w = stackalloc Vector256<uint>[64];
        for (var n = 0; n < maxBlocks; n++)
        {
            for (var lane = 0; lane < Lanes; lane++)
            {
                active[lane] = n < blocks[lane] ? uint.MaxValue : 0;
                FillBlock(buffer, lane < count ? offsets[lane] : 0, lane < count ? lengths[lane] : 0, n, blocks[lane], block);
                for (var t = 0; t < 16; t++)
                {
                    words[t * Lanes + lane] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(t * 4, 4));
                }
            }
            for (var t = 0; t < 16; t++)
            {
                w[t] = Vector256.Create<uint>(words.Slice(t * Lanes, Lanes));
            }
            for (var t = 16; t < 64; t++)
            {
                var w15 = w[t - 15];
                var w2 = w[t - 2];
                var s0 = Rotr(w15, 7) ^ Rotr(w15, 18) ^ Vector256.ShiftRightLogical(w15, 3);
                var s1 = Rotr(w2, 17) ^ Rotr(w2, 19) ^ Vector256.ShiftRightLogical(w2, 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }

            var (a0, b0, c0, d0, e0, f0, g0, h0) = (a, b, c, d, e, f, g, h);
            for (var t = 0; t < 64; t++)
            {
                var s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
                var ch = (e & f) ^ Vector256.AndNot(g, e);
                var t1 = h + s1 + ch + Vector256.Create(K[t]) + w[t];
                var s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
                var maj = (a & b) ^ (a & c) ^ (b & c);
                var t2 = s0 + maj;
                h = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }

            var mask = Vector256.Create<uint>(active);
            a = Vector256.ConditionalSelect(mask, a0 + a, a0);
            b = Vector256.ConditionalSelect(mask, b0 + b, b0);
            c = Vector256.ConditionalSelect(mask, c0 + c, c0);
            d = Vector256.ConditionalSelect(mask, d0 + d, d0);
            e = Vector256.ConditionalSelect(mask, e0 + e, e0);
            f = Vector256.ConditionalSelect(mask, f0 + f, f0);
            g = Vector256.ConditionalSelect(mask, g0 + g, g0);
            h = Vector256.ConditionalSelect(mask, h0 + h, h0);
        }

        for (var lane = 0; lane < count; lane++)
        {
            var output = destination[lane].WritableBytes();
            BinaryPrimitives.WriteUInt32BigEndian(output[0..], a.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[4..], b.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[8..], c.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[12..], d.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[16..], e.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[20..], f.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[24..], g.GetElement(lane));
            BinaryPrimitives.WriteUInt32BigEndian(output[28..], h.GetElement(lane));
        }
    }

    // Block n of the padded message (zeros when the message has no block n).
    private static void FillBlock(ReadOnlySpan<byte> buffer, int offset, int length, int n, int blocks, Span<byte> block)
    {
        block.Clear();
        if (n >= blocks)
        {
            return;
        }
        var start = n * 64;
        if (start < length)
        {
            var take = Math.Min(64, length - start);
            buffer.Slice(offset + start, take).CopyTo(block);
            if (take < 64)
            {
                block[take] = 0x80;
            }
        }
        else if (start == length)
        {
            block[0] = 0x80;
        }
        if (n == blocks - 1)
        {
            BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)length * 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotr(Vector256<uint> x, int n) =>
        Vector256.ShiftRightLogical(x, n) | Vector256.ShiftLeft(x, 32 - n);
}
