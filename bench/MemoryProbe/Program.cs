using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using TcpState.Analysis;
using TcpState.Analysis.Anomalies;
using TcpState.Capture.Decoding;
using TcpState.Capture.Files;

// Managed memory per tracked connection, and bytes allocated per packet, measured around the same read → decode →
// track loop CaptureAnalysis runs (with every anomaly detector, as `tcpstate read` runs them; --no-detectors for the
// tracker alone). The heap is measured after a full, compacting collection before the first packet and after the
// last one, while every connection is still tracked (before the end-of-input flush writes them out).
// Transitions are kept as `tcpstate read --format json` (and zeek, csv) keeps them; --no-transitions runs as the
// summary does, which does not keep them and so holds less per connection.
//
//   dotnet run --project bench/MemoryProbe -c Release -- FILE [--no-detectors] [--no-transitions] [--max-connections N]
//       [--allocations] [--passes N]
//
// --passes N replays the file N times, each pass shifted in packet time to start an hour after the previous one
// ended (past every timeout, so the previous pass's connections have been written out): the same hosts, services and
// sources again. Allocation is also reported for each pass: it falls as the tables grow to what this traffic needs,
// and the last pass shows the steady state, on a trace of any length.
//
// --allocations also prints, for the second half (the last pass, with --passes), the types the runtime sampled
// allocating (one sample per ~100 KB allocated, so the figures are estimates): where to look when the bytes per packet
// are not zero.
//
// Prints one "key=value" per line (bench/compare reads them).

if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: MemoryProbe FILE [--no-detectors] [--no-transitions] [--max-connections N] [--allocations] [--passes N]");
    return 2;
}
string path = args[0];
bool detectors = !args.Contains("--no-detectors");
bool transitions = !args.Contains("--no-transitions");
int maxConnections = new AnalysisOptions().MaxConnections;
int passes = 1;
int passesAt = Array.IndexOf(args, "--passes");
if (passesAt > 0 && (passesAt + 1 >= args.Length || !int.TryParse(args[passesAt + 1], CultureInfo.InvariantCulture, out passes) || passes < 1))
{
    Console.Error.WriteLine("--passes needs a number, at least 1");
    return 2;
}
int capAt = Array.IndexOf(args, "--max-connections");
if (capAt > 0 && (capAt + 1 >= args.Length || !int.TryParse(args[capAt + 1], CultureInfo.InvariantCulture, out maxConnections)))
{
    Console.Error.WriteLine("--max-connections needs a number");
    return 2;
}

using var allocationSamples = args.Contains("--allocations") ? new AllocationSamples() : null;
long baseline = SettledHeap();
var statistics = new ConnectionStatistics();
var tracker = new ConnectionTracker(new AnalysisOptions { MaxConnections = maxConnections, RecordTransitions = transitions }, statistics);
var engine = detectors ? new AnomalyEngine() : null;
if (engine is not null)
    tracker.AddObserver(engine);
var decoder = new FrameDecoder();
var accounting = new FrameAccounting();

// Allocation is also read halfway and three quarters through the input (by bytes, as its packet count is not known up
// front): the second half and the last quarter show the steady state once the tables have grown, on a trace long
// enough for them to stop growing. The stream runs at most one read buffer ahead.
long packets = 0, packetsAtHalf = -1, allocatedAtHalf = 0, packetsAtThreeQuarters = -1, allocatedAtThreeQuarters = 0;
var packetsAtPass = new long[passes + 1];
var allocatedAtPass = new long[passes + 1];
long allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
var pausedAtStart = GC.GetTotalPauseDuration();
var clock = Stopwatch.StartNew();
long firstNs = long.MaxValue, lastNs = long.MinValue, shiftNs = 0;
for (int pass = 0; pass < passes; pass++)
{
    FileStream file;
    try
    {
        file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"cannot open {path}: {e.Message}");
        return 2;
    }
    if (!CaptureFile.TryOpen(file, path, out var source, out var error))
    {
        Console.Error.WriteLine(error);
        return 2;
    }
    if (pass > 0)
        shiftNs += lastNs - firstNs + 3600 * TcpState.Capture.PacketTime.NanosecondsPerSecond;
    packetsAtPass[pass] = packets;
    allocatedAtPass[pass] = GC.GetAllocatedBytesForCurrentThread();
    if (pass == passes - 1 && passes > 1)
        allocationSamples?.Start();
    long totalBytes = file.Length * passes, passOffset = file.Length * pass;
    using (source)
    {
        while (source!.TryReadFrame(out var frame))
        {
            if (decoder.Decode(frame, accounting, out var segment) == DecodeOutcome.Tcp)
            {
                if (pass == 0)
                {
                    firstNs = Math.Min(firstNs, segment.Timestamp.UnixNanoseconds);
                    lastNs = Math.Max(lastNs, segment.Timestamp.UnixNanoseconds);
                }
                else
                    segment.Timestamp = segment.Timestamp.AddNanoseconds(shiftNs);
                tracker.Process(segment);
            }
            packets++;
            long position = passOffset + file.Position;
            if (packetsAtHalf < 0 && position >= totalBytes / 2)
            {
                packetsAtHalf = packets;
                allocatedAtHalf = GC.GetAllocatedBytesForCurrentThread();
                if (passes == 1)
                    allocationSamples?.Start();
            }
            if (packetsAtThreeQuarters < 0 && position >= totalBytes / 4 * 3)
            {
                packetsAtThreeQuarters = packets;
                allocatedAtThreeQuarters = GC.GetAllocatedBytesForCurrentThread();
            }
        }
        if (source.Status != TcpState.Capture.SourceStatus.EndOfInput)
            Console.Error.WriteLine(source.ErrorMessage);
    }
}
packetsAtPass[passes] = packets;
allocatedAtPass[passes] = GC.GetAllocatedBytesForCurrentThread();
double seconds = clock.Elapsed.TotalSeconds;
double gcPauseSeconds = (GC.GetTotalPauseDuration() - pausedAtStart).TotalSeconds;
allocationSamples?.Stop();
string collections = $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}";
long allocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
int tracked = tracker.ActiveConnections;
long loaded = SettledHeap();
GC.KeepAlive(tracker);
GC.KeepAlive(engine);
GC.KeepAlive(decoder);

long growth = loaded - baseline;
var info = GC.GetGCMemoryInfo();
Write("file", path);
Write("detectors", detectors ? "all" : "none");
Write("transitions", transitions ? "kept" : "not kept");
Write("packets", packets);
Write("seconds", seconds.ToString("F2", CultureInfo.InvariantCulture));
Write("tracked_connections", tracked);
Write("held_connections", tracker.HeldConnections);
Write("parked_connections", tracker.ParkedConnections);
Write("packed_connections", tracker.PackedConnections); // of the parked, those out of their slots
Write("parks", tracker.Parks);
Write("parks_refused", tracker.ParksRefused);
Write("peak_tracked", tracker.PeakConnections);
Write("max_connections", maxConnections);
Write("managed_heap_growth_bytes", growth);
Write("managed_bytes_per_tracked_connection", tracked == 0 ? "n/a" : (growth / (double)tracked).ToString("F1", CultureInfo.InvariantCulture));
Write("allocated_bytes_per_packet", ((allocatedAtEnd - allocatedAtStart) / (double)Math.Max(1, packets)).ToString("F2", CultureInfo.InvariantCulture));
Write("allocated_bytes_per_packet_second_half",
    packetsAtHalf < 0 ? "n/a" : ((allocatedAtEnd - allocatedAtHalf) / (double)Math.Max(1, packets - packetsAtHalf)).ToString("F2", CultureInfo.InvariantCulture));
Write("allocated_bytes_per_packet_last_quarter",
    packetsAtThreeQuarters < 0 ? "n/a" : ((allocatedAtEnd - allocatedAtThreeQuarters) / (double)Math.Max(1, packets - packetsAtThreeQuarters)).ToString("F2", CultureInfo.InvariantCulture));
if (passes > 1)
{
    Write("passes", passes);
    for (int pass = 0; pass < passes; pass++)
        Write($"allocated_bytes_per_packet_pass_{pass + 1}", PerPacket(allocatedAtPass[pass + 1] - allocatedAtPass[pass], packetsAtPass[pass + 1] - packetsAtPass[pass]));
    Write("allocated_bytes_last_pass", allocatedAtPass[passes] - allocatedAtPass[passes - 1]);
    Write("allocated_bytes_per_packet_last_pass", PerPacket(allocatedAtPass[passes] - allocatedAtPass[passes - 1], packetsAtPass[passes] - packetsAtPass[passes - 1]));
}
Write("gc_heap_size_bytes", info.HeapSizeBytes);
Write("gc_pause_seconds", gcPauseSeconds.ToString("F3", CultureInfo.InvariantCulture)); // the loop's threads stopped for collections
Write("gc_collections_gen0_gen1_gen2", collections); // during the loop, plus the two forced before it
Write("peak_working_set_bytes", Process.GetCurrentProcess().PeakWorkingSet64);
if (allocationSamples is not null)
    foreach (var (type, bytes) in allocationSamples.ByType())
        Write((passes > 1 ? "last_pass_allocated " : "second_half_allocated ") + type, bytes);
return 0;

static long SettledHeap()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    return GC.GetTotalMemory(forceFullCollection: true);
}

static string PerPacket(long bytes, long packets) => (bytes / (double)Math.Max(1, packets)).ToString("F2", CultureInfo.InvariantCulture);

static void Write(string key, object value) => Console.WriteLine(FormattableString.Invariant($"{key}={value}"));

/// <summary>The runtime's allocation-tick events (GC keyword, verbose), summed by type while started.</summary>
sealed class AllocationSamples : EventListener
{
    private readonly Dictionary<string, long> _bytesByType = [];
    private volatile bool _recording;

    public void Start() => _recording = true;

    public void Stop() => _recording = false;

    public IEnumerable<(string Type, long Bytes)> ByType()
    {
        lock (_bytesByType)
            return _bytesByType.OrderByDescending(entry => entry.Value).Select(entry => (entry.Key, entry.Value)).ToList();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
            return;
        string type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        long bytes = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
        lock (_bytesByType)
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + bytes;
    }
}
