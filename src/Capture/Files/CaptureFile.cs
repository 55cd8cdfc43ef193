using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;

namespace TcpState.Capture.Files;

/// <summary>
/// Opens capture files: classic pcap or pcapng, plain or gzip-compressed, or "-" for stdin; the format is
/// recognised from the first bytes, not from the file name.
/// </summary>
/// <remarks>
/// Several files in one run: open and drain them one after the other. There is deliberately no source that
/// chains files, because each file has its own outcome — one truncated trace must be reported by name while the
/// others are still analysed, and <c>check</c> passes or fails per trace — and an <see cref="IPacketSource"/>
/// carries a single status and error. The loop is short:
/// <code>
/// foreach (var path in paths)
/// {
///     if (!CaptureFile.TryOpen(path, out var source, out var error)) { Report(error); continue; }
///     using (source)
///     {
///         while (source.TryReadFrame(out var frame)) Analyse(frame);
///         if (source.Status != SourceStatus.EndOfInput) Report(source.ErrorMessage);
///     }
/// }
/// </code>
/// </remarks>
public static class CaptureFile
{
    /// <summary>The path that means standard input.</summary>
    public const string StandardInputPath = "-";

    private const int SniffLength = 4;

    /// <summary>
    /// Opens <paramref name="path"/>. On failure returns false and a one-line <paramref name="error"/>
    /// ("cannot open x.pcap: no such file", "x.txt: not a pcap or pcapng file (starts with 68 65 6c 6c)").
    /// </summary>
    public static bool TryOpen(string path, out IPacketSource? source, out string? error)
    {
        source = null;
        Stream? stream;
        if (path == StandardInputPath)
        {
            stream = Console.OpenStandardInput();
        }
        else if (!TryOpenFile(path, out stream, out error))
        {
            return false;
        }
        return TryOpen(stream, path, out source, out error);
    }

    /// <summary>
    /// Reads a capture from <paramref name="stream"/> (pcap, pcapng, or gzip of either), named <paramref name="name"/>
    /// in messages. The stream is read forward only, never sought, and is disposed with the source (or at once when
    /// this returns false).
    /// </summary>
    public static bool TryOpen(Stream stream, string name, out IPacketSource? source, out string? error) =>
        TryOpen(stream, name, CaptureReadBuffer.DefaultSize, out source, out error);

    /// <summary>As the public overload, with the read buffer's starting size chosen (tests use tiny ones).</summary>
    internal static bool TryOpen(Stream stream, string name, int bufferSize, out IPacketSource? source, out string? error)
    {
        ArgumentNullException.ThrowIfNull(stream);
        source = null;
        CaptureReadBuffer? buffer = null;
        try
        {
            Span<byte> start = stackalloc byte[SniffLength];
            int length = ReadUpTo(stream, start);
            GzipTrailerStream? gzip = null;
            if (length >= 2 && start[0] == 0x1F && start[1] == 0x8B)
            {
                // RFC 1952 member header; GZipStream also reads the concatenated members that `cat a.gz b.gz` makes.
                gzip = new GzipTrailerStream(new PrefixedReadStream(start[..length].ToArray(), stream));
                stream = new GZipStream(gzip, CompressionMode.Decompress);
                length = ReadUpTo(stream, start);
            }
            bool compressed = gzip is not null;

            if (!IsCaptureStart(start[..length], name, compressed, out error))
            {
                stream.Dispose();
                return false;
            }

            buffer = new CaptureReadBuffer(stream, start[..length], bufferSize);
            bool opened;
            if (BinaryPrimitives.ReadUInt32BigEndian(start) == PcapNgFormat.SectionHeaderBlock)
            {
                opened = PcapNgFileReader.TryCreate(buffer, name, gzip, out var pcapNg, out error);
                source = pcapNg;
            }
            else
            {
                opened = PcapFileReader.TryCreate(buffer, name, gzip, out var pcap, out error);
                source = pcap;
            }
            if (!opened)
                buffer.Dispose();
            return opened;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            if (buffer is not null)
                buffer.Dispose();
            else
                stream.Dispose();
            error = e is InvalidDataException
                ? $"{name}: gzip data is corrupt at its start"
                : $"cannot read {name}: {e.Message}";
            source = null;
            return false;
        }
    }

    private static bool TryOpenFile(string path, [NotNullWhen(true)] out Stream? stream, out string? error)
    {
        stream = null;
        if (Directory.Exists(path))
        {
            error = $"cannot open {path}: is a directory";
            return false;
        }
        try
        {
            // bufferSize 0: FileStream's own buffer would only add a copy; the reader reads 1 MiB chunks itself.
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0,
                FileOptions.SequentialScan);
            error = null;
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"cannot open {path}: no such file";
        }
        catch (UnauthorizedAccessException)
        {
            error = $"cannot open {path}: permission denied";
        }
        catch (IOException e)
        {
            error = $"cannot open {path}: {e.Message}";
        }
        return false;
    }

    private static bool IsCaptureStart(ReadOnlySpan<byte> start, string name, bool compressed, out string? error)
    {
        error = null;
        string inside = compressed ? " inside the gzip data" : "";
        if (start.Length == 0)
        {
            error = compressed ? $"{name}: gzip data decompresses to nothing"
                : name == StandardInputPath ? $"{name}: standard input is empty, not a pcap or pcapng capture"
                : $"{name}: empty file, not a pcap or pcapng capture";
            return false;
        }
        if (start.Length == SniffLength)
        {
            uint bigEndian = BinaryPrimitives.ReadUInt32BigEndian(start);
            uint littleEndian = BinaryPrimitives.ReadUInt32LittleEndian(start);
            if (bigEndian == PcapNgFormat.SectionHeaderBlock
                || bigEndian is PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic
                || littleEndian is PcapFormat.MicrosecondMagic or PcapFormat.NanosecondMagic)
                return true;
            if (bigEndian == PcapFormat.ModifiedMagic || littleEndian == PcapFormat.ModifiedMagic)
            {
                error = $"{name}: modified (Kuznetzov) pcap{inside} is not supported; convert it with editcap -F pcap";
                return false;
            }
        }
        error = $"{name}: not a pcap or pcapng file{inside} (starts with {SpacedHex(start)})";
        return false;
    }

    /// <summary>"68 65 6c 6c", as xxd and Wireshark show bytes.</summary>
    private static string SpacedHex(ReadOnlySpan<byte> bytes)
    {
        var pairs = new string[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            pairs[i] = bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(' ', pairs);
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; short reads are normal on pipes.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = stream.Read(destination[total..]);
            if (read <= 0)
                break;
            total += read;
        }
        return total;
    }
}
