using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// Watches the tracker as it works: anomaly detectors, the live dashboard and per-connection explanations hang off this.
/// Every call comes on the analysis thread in packet order; the view is valid only during the call. Implementations on
/// the per-segment path should not allocate.
/// </summary>
public interface IConnectionObserver
{
    /// <summary>A segment was applied to a connection (both state models have moved).</summary>
    void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts);

    /// <summary>One endpoint changed RFC state.</summary>
    void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time);

    /// <summary>The state machine noticed something on the way (simultaneous close, RST out of window, ...).</summary>
    void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time);

    /// <summary>A connection's record is final.</summary>
    void OnFinished(in ConnectionView connection);

    /// <summary>The packet clock moved forward (each newer packet, and idle ticks in live capture).</summary>
    void OnClock(PacketTime now);
}

/// <summary>An observer that wants the tracker it was added to (to look at all connections now and then).</summary>
public interface ITrackerAttached
{
    void AttachedTo(ConnectionTracker tracker);
}

public delegate void ConnectionVisitor(in ConnectionView connection);
