using System.Buffers.Binary;

namespace Packaging.Tests.Support;

/// <summary>The machine an ELF file was built for (e_machine, ELF specification; values from elf.h).</summary>
public static class Elf
{
    public const ushort X86_64 = 62;
    public const ushort Aarch64 = 183;

    /// <summary>e_machine of <paramref name="path"/>, or null when it is not an ELF file.</summary>
    public static ushort? Machine(string path)
    {
        var header = new byte[20];
        using var file = File.OpenRead(path);
        if (file.Length < header.Length)
        {
            return null;
        }
        file.ReadExactly(header);
        return header.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) ? BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18)) : null;
    }
}
