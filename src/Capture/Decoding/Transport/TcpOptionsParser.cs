using System.Buffers.Binary;

namespace TcpState.Capture.Decoding.Transport;

/// <summary>
/// Reads the TCP option list (RFC 9293 §3.2) into <see cref="TcpOptions"/>. The list is at most 40 bytes and every
/// step moves forward, so the loop is bounded. A known option with the wrong length is ignored, as receivers do;
/// a length that cannot be (0 or 1) or runs past the header stops the walk and marks the list malformed.
/// </summary>
internal static class TcpOptionsParser
{
    private const byte EndOfOptionList = 0;
    private const byte NoOperation = 1;
    private const byte MaximumSegmentSize = 2;
    private const byte WindowScale = 3;
    private const byte SackPermitted = 4;
    private const byte Sack = 5;
    private const byte Timestamps = 8;
    private const byte FastOpen = 34;
    /// <summary>RFC 6994 shared experimental option; Fast Open used it with magic 0xF989 before kind 34 (RFC 7413 §4.1.1).</summary>
    private const byte Experimental = 254;
    private const ushort FastOpenExperimentId = 0xF989;

    private const int KindAndLengthSize = 2;
    private const int MaximumSegmentSizeLength = 4;
    private const int WindowScaleLength = 3;
    private const int SackPermittedLength = 2;
    private const int SackBlockSize = 8;
    private const int TimestampsLength = 10;
    private const int ExperimentIdSize = 2;

    public static TcpOptions Parse(ReadOnlySpan<byte> options)
    {
        var parsed = TcpOptions.None;
        int position = 0;
        while (position < options.Length)
        {
            byte kind = options[position];
            if (kind == EndOfOptionList)
                break;
            if (kind == NoOperation)
            {
                position++;
                continue;
            }

            if (options.Length - position < KindAndLengthSize)
            {
                parsed.Malformed = true;
                break;
            }
            int length = options[position + 1];
            if (length < KindAndLengthSize || length > options.Length - position)
            {
                parsed.Malformed = true;
                break;
            }

            Record(ref parsed, kind, options.Slice(position + KindAndLengthSize, length - KindAndLengthSize));
            position += length;
        }
        return parsed;
    }

    private static void Record(ref TcpOptions parsed, byte kind, ReadOnlySpan<byte> value)
    {
        int length = value.Length + KindAndLengthSize;
        switch (kind)
        {
            case MaximumSegmentSize when length == MaximumSegmentSizeLength:
                parsed.Mss = BinaryPrimitives.ReadUInt16BigEndian(value);
                break;
            case WindowScale when length == WindowScaleLength:
                // Kept as sent (RFC 7323 §2.3 caps the shift at 14 when used); only clamped to fit the field.
                parsed.WindowScale = (sbyte)Math.Min(value[0], (byte)sbyte.MaxValue);
                break;
            case SackPermitted when length == SackPermittedLength:
                parsed.SackPermitted = true;
                break;
            case Sack when value.Length >= SackBlockSize && value.Length % SackBlockSize == 0:
                parsed.SackBlockCount = (byte)(value.Length / SackBlockSize);
                parsed.FirstSackLeft = BinaryPrimitives.ReadUInt32BigEndian(value);
                parsed.FirstSackRight = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
                break;
            case Timestamps when length == TimestampsLength:
                parsed.HasTimestamp = true;
                parsed.TimestampValue = BinaryPrimitives.ReadUInt32BigEndian(value);
                parsed.TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
                break;
            case FastOpen:
                parsed.HasFastOpen = true;
                parsed.FastOpenCookieLength = (byte)value.Length;
                break;
            case Experimental when value.Length >= ExperimentIdSize &&
                                   BinaryPrimitives.ReadUInt16BigEndian(value) == FastOpenExperimentId:
                parsed.HasFastOpen = true;
                parsed.FastOpenCookieLength = (byte)(value.Length - ExperimentIdSize);
                break;
        }
    }
}
