using System.Buffers.Binary;
using TcpState.Capture;
using TcpState.Capture.Files;

namespace TcpState.Cli.Live;

/// <summary>
/// Live capture's <c>-w</c> file: a pcap written as packets arrive, which stays a readable pcap whatever happens to the
/// disk. When a write fails (the disk or a quota is full, an I/O error) the file is cut back to the last record that
/// reached the disk whole, nothing more is written, and <see cref="Error"/> says why and how many packets it keeps.
/// </summary>
/// <remarks>
/// The writer hands the file whole 64 KiB chunks, and the kernel may take part of one before it runs out of space, so
/// the bytes that reached the disk can end mid-record. A file whose last record is cut short still opens, but every
/// reader then reports it as damaged; cutting it back to a record boundary leaves a file that reads cleanly.
/// </remarks>
internal sealed class LiveCaptureFile : IDisposable
{
    private readonly RecordKeepingStream _stream;
    private readonly PcapWriter _writer;

    internal LiveCaptureFile(Stream file, string path, LinkType linkType, int snapshotLength, PcapTimestampPrecision precision)
    {
        Path = path;
        _stream = new RecordKeepingStream(file);
        _writer = new PcapWriter(_stream, linkType, snapshotLength, precision);
    }

    /// <summary>
    /// Creates (or empties) the file and writes its header at once: the file is a valid, empty pcap from the start, and
    /// a disk already full is reported before the capture begins.
    /// </summary>
    public static LiveCaptureFile Create(string path, LinkType linkType, int snapshotLength, PcapTimestampPrecision precision)
    {
        FileStream stream;
        try
        {
            // Unbuffered: the writer already gathers records into large chunks.
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot write {path}: {Reason(e)}");
        }
        var file = new LiveCaptureFile(stream, path, linkType, snapshotLength, precision);
        if (!file.TryFlush())
        {
            file.Dispose();
            throw new UserFacingException($"cannot write {path}: {Reason(file._stream.Failure!)}");
        }
        return file;
    }

    public string Path { get; }

    /// <summary>Frames written so far; after a failure, the frames the file keeps.</summary>
    public long FramesWritten => _stream.Failure is null ? _writer.FramesWritten : _stream.RecordsKept;

    public bool Failed => _stream.Failure is not null;

    /// <summary>"cannot write x.pcap: no space left on device", once writing failed.</summary>
    public string? Error => _stream.Failure is null ? null : $"cannot write {Path}: {Reason(_stream.Failure)}";

    /// <summary>Writes the frame; false once writing has failed (the frame is then not in the file).</summary>
    public bool TryWrite(in Frame frame)
    {
        if (_stream.Failure is not null)
            return false;
        _writer.WriteFrame(frame);
        return _stream.Failure is null;
    }

    /// <summary>Pushes every buffered frame to the file; false once writing has failed.</summary>
    public bool TryFlush()
    {
        if (_stream.Failure is not null)
            return false;
        _writer.Flush();
        return _stream.Failure is null;
    }

    /// <summary>Writes what is buffered and closes the file (a failure there is reported by <see cref="Error"/>).</summary>
    public void Dispose() => _writer.Dispose();

    /// <summary>"no space left on device": the system's reason, without .NET's "Access to the path ..." or " : 'path'".</summary>
    internal static string Reason(Exception error)
    {
        // On Unix, UnauthorizedAccessException wraps the errno's IOException, whose message is strerror's text.
        if (error is UnauthorizedAccessException { InnerException: IOException inner })
            error = inner;
        // .NET words ENOENT as "Could not find a part of the path '...'"; say it as the system does.
        if (error is DirectoryNotFoundException or FileNotFoundException)
            return "no such file or directory";
        string message = error.Message;
        int path = message.IndexOf(" : '", StringComparison.Ordinal);
        if (path > 0)
            message = message[..path];
        message = message.TrimEnd('.');
        return message.Length > 1 && char.IsUpper(message[0]) && char.IsLower(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }

    /// <summary>
    /// Passes the writer's bytes on to the file and follows the pcap records in them, so that when a write fails the
    /// file can be cut back to the end of its last whole record. After a failure it takes and drops every write.
    /// </summary>
    private sealed class RecordKeepingStream(Stream file) : Stream
    {
        private const int FileHeaderLength = 24;
        private const int RecordHeaderLength = 16;
        private const int CapturedLengthOffset = 8;
        private const uint MicrosecondMagic = 0xA1B2C3D4;
        private const uint NanosecondMagic = 0xA1B23C4D;

        private readonly byte[] _header = new byte[FileHeaderLength];
        private int _headerFilled;
        private bool _fileHeaderDone;
        private bool _bigEndian;
        private long _dataLeft;
        private long _followed;
        private long _written;

        /// <summary>Where the last whole record (or the file header) ends.</summary>
        public long KeptLength { get; private set; }

        public long RecordsKept { get; private set; }

        public Exception? Failure { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Failure is not null)
                return;
            try
            {
                file.Write(buffer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(e, buffer);
                return;
            }
            _written += buffer.Length;
            Follow(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
            if (Failure is not null)
                return;
            try
            {
                file.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(e, default);
            }
        }

        private void Fail(Exception error, ReadOnlySpan<byte> failedWrite)
        {
            Failure = error;
            // Part of the failed write may have reached the disk before it filled: follow the records up to the file's
            // true end, then cut it where the last whole one ends.
            try
            {
                long onDisk = file.Length;
                Follow(failedWrite[..(int)Math.Clamp(onDisk - _written, 0, failedWrite.Length)]);
                if (onDisk > KeptLength)
                    file.SetLength(KeptLength);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // Then the file keeps a cut-short last record; readers report it and read everything before it.
            }
        }

        private void Follow(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                if (_dataLeft > 0)
                {
                    int data = (int)Math.Min(_dataLeft, bytes.Length);
                    bytes = bytes[data..];
                    _followed += data;
                    _dataLeft -= data;
                    if (_dataLeft == 0)
                        RecordEnded();
                    continue;
                }

                int headerLength = _fileHeaderDone ? RecordHeaderLength : FileHeaderLength;
                int take = Math.Min(headerLength - _headerFilled, bytes.Length);
                bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
                bytes = bytes[take..];
                _followed += take;
                _headerFilled += take;
                if (_headerFilled < headerLength)
                    continue;
                _headerFilled = 0;

                if (!_fileHeaderDone)
                {
                    _fileHeaderDone = true;
                    _bigEndian = BinaryPrimitives.ReadUInt32LittleEndian(_header) is not (MicrosecondMagic or NanosecondMagic);
                    KeptLength = _followed;
                    continue;
                }
                var field = _header.AsSpan(CapturedLengthOffset, 4);
                _dataLeft = _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(field) : BinaryPrimitives.ReadUInt32LittleEndian(field);
                if (_dataLeft == 0)
                    RecordEnded();
            }
        }

        private void RecordEnded()
        {
            RecordsKept++;
            KeptLength = _followed;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                file.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
