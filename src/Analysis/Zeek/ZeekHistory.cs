using System.Runtime.CompilerServices;

namespace TcpState.Analysis.Zeek;

/// <summary>
/// Zeek's connection history string, kept inline in the connection so recording a letter allocates nothing.
/// Zeek puts no bound on its length; a hostile trace could grow it without end, so it stops at
/// <see cref="Capacity"/> letters and remembers that it was cut.
/// </summary>
internal struct ZeekHistory
{
    public const int Capacity = 31;

    [InlineArray(Capacity)]
    private struct Letters
    {
        private byte _first;
    }

    private Letters _letters;
    private byte _length;

    /// <summary>Which one-time letters (A, D, I, Q and the first S, H, F, R) each direction has recorded.</summary>
    public uint Seen;

    public bool Truncated;

    public readonly int Length => _length;

    public void Add(char letter)
    {
        if (_length == Capacity)
        {
            Truncated = true;
            return;
        }
        _letters[_length++] = (byte)letter;
    }

    public readonly override string ToString()
    {
        Span<char> text = stackalloc char[Capacity];
        return new string(text[..CopyTo(text)]);
    }

    public readonly int CopyTo(Span<char> destination)
    {
        for (int i = 0; i < _length; i++)
            destination[i] = (char)_letters[i];
        return _length;
    }

    public readonly char this[int index] => (char)_letters[index];
}
