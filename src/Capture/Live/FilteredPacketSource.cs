namespace TcpState.Capture.Live;

/// <summary>
/// Passes on only the frames an <see cref="OfflineFilter"/> accepts, and counts both, so a summary can say "11 frames
/// matched the filter of 40 read" while the decoder's accounting covers exactly the frames that matched.
/// Does not own the filter (one filter serves every file of a run); disposes the inner source.
/// </summary>
public sealed class FilteredPacketSource(IPacketSource inner, OfflineFilter filter) : IPacketSource
{
    private SourceStatus? _filterStatus;
    private string? _filterError;

    public string Name => inner.Name;

    /// <summary>Frames read from the inner source, matching or not.</summary>
    public long FramesExamined { get; private set; }

    /// <summary>Frames the filter accepted (and this source handed out).</summary>
    public long FramesMatched { get; private set; }

    public SourceStatus Status => _filterStatus ?? inner.Status;

    public string? ErrorMessage => _filterError ?? inner.ErrorMessage;

    public bool TryReadFrame(out Frame frame)
    {
        if (_filterStatus is not null)
        {
            frame = default;
            return false;
        }
        while (inner.TryReadFrame(out frame))
        {
            FramesExamined++;
            bool matches;
            try
            {
                matches = filter.Matches(frame);
            }
            catch (CaptureException e)
            {
                // The expression cannot apply to this frame's link type: stop this input with one line, as for a bad file.
                _filterStatus = SourceStatus.Unreadable;
                _filterError = $"{inner.Name}: {e.Message}";
                frame = default;
                return false;
            }
            if (matches)
            {
                FramesMatched++;
                return true;
            }
        }
        return false;
    }

    public void Dispose() => inner.Dispose();
}
