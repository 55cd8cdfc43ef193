using System.Diagnostics;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Analysis.Live;
using TcpState.Capture;
using TcpState.Capture.Live;

namespace TcpState.Cli.Live;

/// <summary>Why a live capture ended; the names are those the summary and JSON use.</summary>
internal enum StopReason
{
    Interrupt,
    Quit,
    PacketCount,
    Duration,
    CaptureError,
    /// <summary>The -w file could not be written (a full disk): the capture stops, as tcpdump's does.</summary>
    WriteError,
}

internal sealed record LiveLimits
{
    /// <summary>Stop after this many packets (tcpdump's -c).</summary>
    public long? PacketCount { get; init; }

    /// <summary>Stop after this much wall-clock time.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How often a <see cref="LiveStatus"/> is published.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Run the capture loop at the lowest real-time priority where permitted (see <see cref="CaptureThreadPriority"/>).</summary>
    public bool RealtimePriority { get; init; } = true;
}

/// <summary>
/// The live capture loop: read a frame (a span over libpcap's buffer), write it to the -w file, decode and track it,
/// and — between frames, never per frame — move the clock on idle ticks, flush output and publish a status. Runs on
/// one thread and allocates nothing per packet; a dashboard on another thread only ever sees the published statuses.
/// </summary>
/// <remarks>
/// Time: packets carry the kernel's receive time; when the read timeout passes with nothing to read, the tracker's
/// clock is moved to the wall clock minus one read timeout, so timers (TIME_WAIT's 2MSL, handshake and idle timeouts)
/// fire on a quiet link too. The read timeout is subtracted because TPACKET_V3 may still hold packets received up to
/// that long ago in a block not yet handed over; the clock must not pass them, or a timer could fire before a packet
/// that arrived in time.
/// </remarks>
internal sealed class LiveSession
{
    private static readonly long FlushIntervalTicks = Stopwatch.Frequency / 10;

    private readonly LivePacketSource _source;
    private readonly CaptureAnalysis _analysis;
    private readonly ConnectionCensus _census;
    private readonly LiveCaptureFile? _file;
    private readonly ILiveOutput _output;
    private readonly LiveLimits _limits;
    private readonly TimeSpan _readTimeout;
    private int _stopReason = -1;
    private long _stopAt = long.MaxValue;
    private long _startTicks;
    private long _framesWrittenAtFlush;

    public LiveSession(LivePacketSource source, CaptureAnalysis analysis, ConnectionCensus census, ILiveOutput output,
        LiveLimits limits, TimeSpan readTimeout, LiveCaptureFile? file = null)
    {
        _source = source;
        _analysis = analysis;
        _census = census;
        _output = output;
        _limits = limits;
        _readTimeout = readTimeout;
        _file = file;
        Anomalies = new AnomalyFanOut(census, output);
    }

    /// <summary>
    /// Where the anomaly engine reports as anomalies fire: the alert feed (through the census) and the output's
    /// <c>anomaly</c> records.
    /// </summary>
    public IAnomalySink Anomalies { get; }

    public long FramesRead { get; private set; }

    public double ElapsedSeconds => _startTicks == 0 ? 0 : Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;

    public CaptureStatistics FinalStatistics { get; private set; }

    public StopReason? Reason => _stopReason < 0 ? null : (StopReason)_stopReason;

    /// <summary>
    /// Ends the capture from any thread (a signal handler, the dashboard's 'q'); the first reason given wins. Except
    /// after -c, reading goes on for one read timeout more: TPACKET_V3 hands over a part-filled block only when that
    /// timeout expires, so packets the kernel captured just before Ctrl+C would otherwise be neither analysed nor
    /// written to the -w file. (After a write error nothing more could be written: it stops at once too.)
    /// </summary>
    public void RequestStop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, -1) != -1)
            return;
        long drain = reason is StopReason.PacketCount or StopReason.WriteError ? 0 : DrainTicks(_readTimeout);
        Volatile.Write(ref _stopAt, Stopwatch.GetTimestamp() + drain);
    }

    /// <summary>One read timeout, and a little more for the kernel's block timer (it runs in jiffies).</summary>
    private static long DrainTicks(TimeSpan readTimeout) =>
        (long)((readTimeout.TotalSeconds + 0.05) * Stopwatch.Frequency);

    /// <summary>Whether the capture loop got its real-time priority (not without root or CAP_SYS_NICE, nor after -Z).</summary>
    public bool RealtimePriority { get; private set; }

    /// <summary>Captures until stopped, then settles every connection still tracked. Returns why it stopped.</summary>
    public StopReason Run()
    {
        if (_limits.RealtimePriority)
            RealtimePriority = CaptureThreadPriority.TryRaiseCurrentThread();
        _startTicks = Stopwatch.GetTimestamp();
        long nextFlush = _startTicks + FlushIntervalTicks;
        long statusTicks = (long)(_limits.StatusInterval.TotalSeconds * Stopwatch.Frequency);
        long nextStatus = _startTicks + statusTicks;
        long deadline = _limits.Duration is { } duration ? _startTicks + (long)(duration.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        long packetLimit = _limits.PacketCount ?? long.MaxValue;
        var tracker = _analysis.Tracker;
        tracker.AdvanceTime(IdleClock());

        while (true)
        {
            if (_source.TryReadFrame(out var frame))
            {
                if (_file is not null && !_file.TryWrite(frame))
                    RequestStop(StopReason.WriteError);
                _analysis.Process(frame);
                if (++FramesRead >= packetLimit)
                    RequestStop(StopReason.PacketCount);
            }
            else if (_source.Status == SourceStatus.Reading)
            {
                // The read timeout passed with no packet: the link is quiet, so time moves on by the wall clock.
                tracker.AdvanceTime(IdleClock());
                Flush();
                nextFlush = Stopwatch.GetTimestamp() + FlushIntervalTicks;
            }
            else
            {
                break;
            }

            long now = Stopwatch.GetTimestamp();
            if (now >= nextFlush)
            {
                Flush();
                nextFlush = now + FlushIntervalTicks;
            }
            if (now >= nextStatus)
            {
                _output.OnStatus(Status());
                nextStatus = now + statusTicks;
            }
            if (now >= deadline)
                RequestStop(StopReason.Duration);
            if (now >= Volatile.Read(ref _stopAt))
                break;
        }

        if (_source.Status == SourceStatus.Unreadable)
            Interlocked.CompareExchange(ref _stopReason, (int)StopReason.CaptureError, -1);
        Interlocked.CompareExchange(ref _stopReason, (int)StopReason.Interrupt, -1);

        // Timers due by now fire (as they would have on the next idle tick); then whatever is left is written out.
        tracker.AdvanceTime(IdleClock());
        FinalStatistics = _source.ReadStatistics();
        _file?.Dispose();
        _analysis.Complete();
        _output.Flush();
        return Reason!.Value;
    }

    /// <summary>The figures as of now; also the last thing a dashboard shows.</summary>
    public LiveStatus Status() => new()
    {
        Device = _source.Device,
        Filter = _source.Filter,
        LinkType = _source.LinkType,
        Census = _census.TakeSnapshot(_analysis.Tracker.Clock),
        Capture = _source.ReadStatistics(),
        ElapsedSeconds = ElapsedSeconds,
        FramesRead = FramesRead,
        TcpFrames = _analysis.Accounting.Tcp,
        ConnectionsTracked = _analysis.Tracker.ActiveConnections,
        ConnectionsCreated = _analysis.Tracker.ConnectionsCreated,
        WritePath = _file?.Path,
        FramesWritten = _file?.FramesWritten ?? 0,
    };

    private PacketTime IdleClock() => WallClock.Now().AddNanoseconds(-(long)(_readTimeout.TotalMilliseconds * 1_000_000));

    private void Flush()
    {
        _output.Flush();
        if (_file is not null && _file.FramesWritten != _framesWrittenAtFlush)
        {
            // The -w file stays readable while the capture runs, and a crash loses at most the last tenth of a second.
            if (!_file.TryFlush())
                RequestStop(StopReason.WriteError);
            _framesWrittenAtFlush = _file.FramesWritten;
        }
    }

    private sealed class AnomalyFanOut(params IAnomalySink[] sinks) : IAnomalySink
    {
        public void OnRaised(Anomaly anomaly)
        {
            foreach (var sink in sinks)
                sink.OnRaised(anomaly);
        }
    }
}
