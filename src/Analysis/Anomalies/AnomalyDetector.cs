using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis.Anomalies;

/// <summary>Which observer calls a detector wants, so the engine calls only those on the per-packet path.</summary>
[Flags]
public enum DetectorInterests
{
    None = 0,
    /// <summary>Every segment.</summary>
    Segments = 1,
    Transitions = 2,
    Notes = 4,
    Finished = 8,
    Clock = 16,
    /// <summary>
    /// Only segments that carry SYN or RST: openings, answers and refusals. Most segments are data and ACKs, and a
    /// detector of handshakes need not be called for each of them.
    /// </summary>
    SynOrRstSegments = 32,
}

/// <summary>
/// One anomaly's detector. It watches the tracker through the calls it declares in <see cref="Interests"/> and raises
/// anomalies through <see cref="Engine"/>. Per-segment work must not allocate for ordinary traffic.
/// </summary>
public abstract class AnomalyDetector
{
    protected AnomalyDetector(AnomalyEngine engine)
    {
        Engine = engine;
    }

    /// <summary>
    /// A detector with a gate in front of <see cref="OnSegment"/>: a segment passes when its sender is in one of
    /// <paramref name="hearsFromStates"/> (<see cref="StatesOf"/>) or it has one of the facts in <paramref name="hearsFacts"/>.
    /// Most segments are data and ACKs of connections no detector is watching, and calling each detector for each of them,
    /// to return at once, cost a mispredicted indirect call apiece: 8% of the tracking thread's instructions and 9% of its
    /// cycles on the 5M-packet bench trace. A detector's own checks still run on what passes; the gate must let through
    /// everything they would act on (<see cref="HearEverySegmentWhile"/> while it watches connections).
    /// </summary>
    protected AnomalyDetector(AnomalyEngine engine, uint hearsFromStates, SegmentFacts hearsFacts = default) : this(engine)
    {
        _gateStates = HearsFromStates = hearsFromStates;
        HearsFacts = hearsFacts;
    }

    protected AnomalyEngine Engine { get; }

    protected DetectorSettings Settings => Engine.Settings;

    public abstract DetectorInterests Interests { get; }

    /// <summary>Entries forgotten from this detector's full tables before they were reported (see <see cref="AddressTable{TKey, TValue}"/>).</summary>
    public virtual long EntriesForgotten => 0;

    public virtual void OnSegment(in ConnectionView connection, in TcpSegment segment, in SegmentFacts facts) { }

    /// <summary>The gate in front of <see cref="OnSegment"/>, checked by the engine without calling the detector: the sender's states that pass ...</summary>
    internal uint HearsFromStates { get; private set; } = AllStates;

    /// <summary>... and the facts that pass. Every segment passes unless the detector was made with a gate.</summary>
    internal SegmentFacts HearsFacts { get; }

    /// <summary>The states the detector was made with, which its gate returns to when it stops watching.</summary>
    private readonly uint _gateStates = AllStates;

    /// <summary>While <paramref name="watching"/> (it holds state that any segment may change), every segment passes the gate.</summary>
    protected void HearEverySegmentWhile(bool watching) => HearsFromStates = watching ? AllStates : _gateStates;

    /// <summary>Every state, for a gate: the sender's state does not matter.</summary>
    protected const uint AllStates = uint.MaxValue;

    /// <summary>No state, for a gate: only the facts let a segment through.</summary>
    protected const uint NoStates = 0;

    public virtual void OnTransition(in ConnectionView connection, bool originator, RfcState from, RfcState to, PacketTime time) { }

    /// <summary>
    /// The states whose entering or leaving <see cref="OnTransition"/> is told of (<see cref="StatesOf"/>); the engine
    /// passes no other transition. A connection makes about ten transitions, and each detector cares about one state.
    /// </summary>
    public virtual uint TransitionStates => uint.MaxValue;

    protected static uint StatesOf(RfcState state) => 1u << (int)state;

    public virtual void OnNote(in ConnectionView connection, StateMachineNote note, bool originator, PacketTime time) { }

    public virtual void OnFinished(in ConnectionView connection) { }

    public virtual void OnClock(PacketTime now) { }

    /// <summary>
    /// The packet time (ns) before which <see cref="OnClock"/> would do nothing; the engine calls it only from then on.
    /// A detector whose next timer comes earlier outside OnClock tells the engine (<see cref="AnomalyEngine.WakeBy"/>).
    /// </summary>
    public virtual long WakeAtNs => long.MinValue;

    /// <summary>The input ended: report what the end reveals (a stall still running, a silence that never broke).</summary>
    public virtual void OnEnd(PacketTime now) { }

    protected static long Nanoseconds(double seconds) => (long)Math.Round(seconds * PacketTime.NanosecondsPerSecond);

    protected static string Endpoint(Capture.Decoding.IpAddress address, ushort port) =>
        address.IsIpv4 ? $"{address}:{port}" : $"[{address}]:{port}";
}
