using System.Buffers.Binary;
using System.Text;

namespace Packaging.Tests.Support;

/// <summary>
/// What the tests read from ELF files (the ELF specification, 64-bit little-endian; values from elf.h):
/// the machine a file was built for, and the shared libraries it names (DT_NEEDED).
/// </summary>
public static class Elf
{
    public const ushort X86_64 = 62;
    public const ushort Aarch64 = 183;

    private const uint PtDynamic = 2;
    private const uint PtLoad = 1;
    private const long DtNeeded = 1;
    private const long DtStrtab = 5;

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

    /// <summary>
    /// The libraries a 64-bit little-endian ELF file names in its dynamic section (what the dynamic
    /// loader must find), in order; empty for a static file.
    /// </summary>
    public static IReadOnlyList<string> Needed(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (!elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        }
        var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(54));
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(56));
        var loads = new List<(ulong Vaddr, ulong Offset, ulong Size)>();
        (long Offset, long Size)? dynamic = null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = elf.AsSpan((int)(phoff + (i * phentsize)), phentsize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            var vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
            var filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            if (type == PtLoad)
            {
                loads.Add((vaddr, offset, filesz));
            }
            else if (type == PtDynamic)
            {
                dynamic = ((long)offset, (long)filesz);
            }
        }
        if (dynamic is not { } dyn)
        {
            return [];
        }
        var needed = new List<long>();
        ulong? strtab = null;
        for (var at = dyn.Offset; at + 16 <= dyn.Offset + dyn.Size; at += 16)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(elf.AsSpan((int)at));
            var value = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)at + 8));
            if (tag == 0)
            {
                break;
            }
            if (tag == DtNeeded)
            {
                needed.Add((long)value);
            }
            else if (tag == DtStrtab)
            {
                strtab = value;
            }
        }
        if (strtab is not { } address)
        {
            return [];
        }
        // DT_STRTAB is a virtual address: find the file offset through the load segment that holds it.
        var segment = loads.Single(l => address >= l.Vaddr && address < l.Vaddr + l.Size);
        var table = (long)(address - segment.Vaddr + segment.Offset);
        return needed.Select(n =>
        {
            var start = (int)(table + n);
            var end = Array.IndexOf(elf, (byte)0, start);
            return Encoding.ASCII.GetString(elf, start, end - start);
        }).ToList();
    }
}
