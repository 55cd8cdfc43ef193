using System.Runtime.ExceptionServices;
using TcpState.Analysis.Connections;
using TcpState.Capture;
using TcpState.Capture.Decoding;

namespace TcpState.Analysis;

/// <summary>
/// Reads and decodes a source on a second thread, up to a fixed ring of segment batches ahead of the tracker, which
/// stays on the calling thread: the tracker, the detectors and the output see segments in file order, exactly as one
/// thread would give them. The ring is allocated once and reused; passing a batch costs each side a fenced write, and
/// a wake-up only when the other side waits.
/// </summary>
/// <remarks>
/// Measured on the 2-core bench machine with the published build, alternating with the one-thread build, 5M-packet
/// trace: 1.47 s against 1.84 s (5 rounds), 2.06 s against 2.35 s with --format json (3 rounds); about 3 MB more peak
/// RSS, and more CPU time (2.68 s against 2.34 s), the waits spinning before they block. The ring's depth is what
/// decides it: 8 batches of 512 gave 1.87 s against 1.97 s, and a first attempt whose waits slept a millisecond at a
/// time lost (2.07 s against 1.94 s). Reading, decoding and verifying checksums are about a quarter of the work; with a
/// deep ring the second core does them while the tracker waits on cache misses, instead of the two taking turns.
/// <para>
/// The hand-off was two semaphores at first. The tracker is the slower side, so the ring was nearly always full: the
/// reader spun in sched_yield for a free batch (6% of a perf profile's samples) and the tracker woke it with a system
/// call for every batch (2.4%). Waking the reader only once half the ring is free took both to nearly nothing:
/// alternating builds, 2.005 s against 1.935 s (12 rounds), CPU 3.67 s against 3.16 s; a 1M-SYN flood 0.865 s against
/// 0.775 s (6 rounds).
/// </para>
/// </remarks>
internal sealed class ReadAhead
{
    private const int Batches = 64;
    private const int BatchSize = 256;

    /// <summary>
    /// The reader, finding the ring full, waits until this many batches are free again rather than until one is: the
    /// tracker is the slower side, so a reader resumed per batch would be woken (a system call on the tracker's thread)
    /// and stopped again for every batch.
    /// </summary>
    private const int ResumeWhenFree = Batches / 2;

    private readonly TcpSegment[][] _batches = new TcpSegment[Batches][];
    /// <summary>Each batch's segments' keys, one for one, worked out here rather than on the tracker's thread.</summary>
    private readonly KeyedSegment[][] _keys = new KeyedSegment[Batches][];
    private readonly int[] _counts = new int[Batches];
    private readonly bool[] _last = new bool[Batches];

    public ReadAhead()
    {
        for (int i = 0; i < Batches; i++)
        {
            _batches[i] = new TcpSegment[BatchSize];
            _keys[i] = new KeyedSegment[BatchSize];
        }
    }

    /// <summary>
    /// Reads <paramref name="source"/> to its end, decoding on a second thread and tracking here. An exception on
    /// either thread ends both and is rethrown here.
    /// </summary>
    public void Run(IPacketSource source, FrameDecoder decoder, FrameAccounting accounting, ConnectionTracker tracker)
    {
        var published = new HandOffCounter();
        var taken = new HandOffCounter();
        bool abandoned = false;
        ExceptionDispatchInfo? readerFailure = null;

        var reader = new Thread(() =>
        {
            long next = 0;
            bool more = true;
            try
            {
                while (more)
                {
                    if (next - taken.Value >= Batches)
                        taken.WaitFor(next - Batches + ResumeWhenFree, ref abandoned);
                    if (Volatile.Read(ref abandoned))
                        return;
                    var batch = _batches[next % Batches];
                    int count = CaptureAnalysis.ReadBatch(source, decoder, accounting, batch, out more);
                    KeyedSegment.OfEach(batch.AsSpan(0, count), _keys[next % Batches]);
                    Publish(count, last: !more);
                }
            }
            catch (Exception e)
            {
                readerFailure = ExceptionDispatchInfo.Capture(e);
                Publish(0, last: true);
            }

            void Publish(int count, bool last)
            {
                _counts[next % Batches] = count;
                _last[next % Batches] = last;
                published.Advance(++next);
            }
        })
        {
            IsBackground = true,
            Name = "tcpstate reader",
        };

        reader.Start();
        bool finished = false;
        try
        {
            bool never = false;
            for (long next = 0; ; )
            {
                if (published.Value <= next)
                    published.WaitFor(next + 1, ref never);
                int slot = (int)(next % Batches);
                var segments = _batches[slot].AsSpan(0, _counts[slot]);
                var keys = _keys[slot].AsSpan(0, _counts[slot]);
                bool last = _last[slot];
                while (segments.Length > 0)
                {
                    int take = Math.Min(ConnectionTracker.MaxBatch, segments.Length);
                    tracker.ProcessBatch(segments[..take], keys[..take]);
                    segments = segments[take..];
                    keys = keys[take..];
                }
                taken.Advance(++next);
                if (last)
                    break;
            }
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // The tracker failed: the reader may be waiting for room, so it is woken to find out.
                Volatile.Write(ref abandoned, true);
                taken.Wake();
            }
            reader.Join();
            published.Dispose();
            taken.Dispose();
        }
        readerFailure?.Throw();
    }
}
