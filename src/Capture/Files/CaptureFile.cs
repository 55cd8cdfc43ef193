namespace TcpState.Capture.Files;

/// <summary>
/// Opens capture files: classic pcap or pcapng, plain or gzip-compressed, or "-" for stdin; the format is
/// recognised from the first bytes, not from the file name. (Stub: the readers land with the file-input work.)
/// </summary>
public static class CaptureFile
{
    /// <summary>
    /// Opens <paramref name="path"/>. On failure returns false and a one-line <paramref name="error"/>
    /// ("cannot open x.pcap: no such file", "x.txt: not a pcap or pcapng file (first bytes 68 65 6c 6c)").
    /// </summary>
    public static bool TryOpen(string path, out IPacketSource? source, out string? error)
    {
        throw new NotImplementedException();
    }
}
