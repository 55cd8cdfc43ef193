namespace TcpState.Capture;

/// <summary>
/// Where frames come from: a capture file, stdin, or a live interface. Another backend (AF_PACKET, SharpPcap on a
/// machine that has it) is a new implementation of this interface, nothing else.
/// </summary>
public interface IPacketSource : IDisposable
{
    /// <summary>A short name for messages: the file path, "-" for stdin, the interface name.</summary>
    string Name { get; }

    /// <summary>
    /// Reads the next frame. Returns false at the end of the input or when the input cannot be read further;
    /// <see cref="Status"/> then says which, and <see cref="ErrorMessage"/> says why in one line.
    /// Frames read before an error stay valid results: callers analyse them and report the error after.
    /// A live source also returns false with <see cref="Status"/> still <see cref="SourceStatus.Reading"/> when its
    /// read timeout passed without a packet: nothing yet, read again.
    /// </summary>
    bool TryReadFrame(out Frame frame);

    SourceStatus Status { get; }

    /// <summary>One line, no stack trace: what is wrong with the input and where (byte offset, record number).</summary>
    string? ErrorMessage { get; }
}

public enum SourceStatus
{
    /// <summary>Frames may follow.</summary>
    Reading,
    /// <summary>The input ended cleanly.</summary>
    EndOfInput,
    /// <summary>The input ended in the middle of a record or block (a capture cut short).</summary>
    Truncated,
    /// <summary>A header or block could not be parsed (wrong magic, impossible length).</summary>
    Corrupt,
    /// <summary>The input could not be read at all (I/O error, permission).</summary>
    Unreadable,
}
