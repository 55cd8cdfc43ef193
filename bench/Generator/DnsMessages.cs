using System.Buffers.Binary;

namespace TcpState.Bench.Generator;

/// <summary>
/// Well-formed DNS queries and answers (RFC 1035 §4.1) for the UDP share of the trace: an A query for a name under
/// example.com, answered with one address. Real-looking, so every tool dissects them as it would real DNS.
/// </summary>
public sealed class DnsMessages
{
    private const int HeaderLength = 12;
    private readonly byte[] _query = new byte[512];
    private readonly byte[] _answer = new byte[512];
    private int _queryLength;
    private int _answerLength;

    /// <summary>A new query (and the answer that goes with it) with a random id and host label.</summary>
    public ReadOnlySpan<byte> NextQuery(SeededRandom random)
    {
        var q = _query.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(q, (ushort)random.NextUInt32());
        BinaryPrimitives.WriteUInt16BigEndian(q[2..], 0x0100); // standard query, recursion desired
        BinaryPrimitives.WriteUInt16BigEndian(q[4..], 1);       // one question
        q[6..HeaderLength].Clear();
        int position = HeaderLength;
        int labelLength = random.Between(3, 12);
        q[position++] = (byte)labelLength;
        for (int i = 0; i < labelLength; i++)
            q[position++] = (byte)('a' + random.Next(26));
        foreach (var label in (ReadOnlySpan<string>)["example", "com"])
        {
            q[position++] = (byte)label.Length;
            foreach (char c in label) q[position++] = (byte)c;
        }
        q[position++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(q[position..], 1); // QTYPE A
        BinaryPrimitives.WriteUInt16BigEndian(q[(position + 2)..], 1); // QCLASS IN
        _queryLength = position + 4;

        var a = _answer.AsSpan();
        q[.._queryLength].CopyTo(a);
        BinaryPrimitives.WriteUInt16BigEndian(a[2..], 0x8180); // response, recursion desired and available, no error
        BinaryPrimitives.WriteUInt16BigEndian(a[6..], 1);       // one answer
        position = _queryLength;
        BinaryPrimitives.WriteUInt16BigEndian(a[position..], 0xC00C); // the name: a pointer to the question's
        BinaryPrimitives.WriteUInt16BigEndian(a[(position + 2)..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(a[(position + 4)..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(a[(position + 6)..], (uint)random.Between(30, 3600));
        BinaryPrimitives.WriteUInt16BigEndian(a[(position + 10)..], 4);
        BinaryPrimitives.WriteUInt32BigEndian(a[(position + 12)..], 0xC633_6400 | (uint)random.Next(256)); // 198.51.100.x
        _answerLength = position + 16;
        return _query.AsSpan(0, _queryLength);
    }

    /// <summary>The answer to the last query.</summary>
    public ReadOnlySpan<byte> Answer => _answer.AsSpan(0, _answerLength);
}
