using System.Runtime.CompilerServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TcpState.Analysis.Connections;
using TcpState.Capture.Decoding;

// Micro-benchmarks of the hot path's parts, with allocations (bench/README.md says how to read them).
//   dotnet run -c Release --project bench/Micro -- --filter '*'              every benchmark, ShortRun (a few minutes)
//   dotnet run -c Release --project bench/Micro -- --filter '*Decoder*'      one class
//   dotnet run -c Release --project bench/Micro -- --sizes                   the per-connection structs' sizes
if (args.Contains("--sizes"))
{
    // A connection is a slot in the table; once its SYN is answered it also takes a detail from the pool. A SYN that
    // is never answered (a flood's) costs the slot alone; an idle one gives the detail back for a parked one, and an idle
    // IPv4 one without transitions gives its slot back too, for a packed one.
    Console.WriteLine($"Connection        {Unsafe.SizeOf<Connection>(),5} bytes (one connection-table slot, every connection)");
    Console.WriteLine($"  ConnectionKey   {Unsafe.SizeOf<ConnectionKey>(),5}");
    Console.WriteLine($"  HeldSyn         {Unsafe.SizeOf<HeldSyn>(),5}");
    Console.WriteLine($"ConnectionDetail  {Unsafe.SizeOf<ConnectionDetail>(),5} bytes (pooled, once the SYN is answered)");
    Console.WriteLine($"  EndpointTrack   {Unsafe.SizeOf<EndpointTrack>(),5} (x2)");
    Console.WriteLine($"  ZeekConnection  {Unsafe.SizeOf<TcpState.Analysis.Zeek.ZeekConnection>(),5}");
    Console.WriteLine($"ParkedDetail      {Unsafe.SizeOf<ParkedDetail>(),5} bytes (in place of the detail while idle, when packing is exact)");
    Console.WriteLine($"  ParkedEndpoint  {Unsafe.SizeOf<ParkedEndpoint>(),5} (x2)");
    Console.WriteLine($"PackedConnection  {Unsafe.SizeOf<PackedConnection>(),5} bytes (in place of slot and parked detail, without transitions; IPv6 addresses 32 more)");
    Console.WriteLine($"TcpSegment      {Unsafe.SizeOf<TcpSegment>(),5}");
    return;
}

// In process: no generated project to build (BenchmarkDotNet's default toolchain looks for a project named after the
// assembly), the traces are made once per run, and the GC is this project's: workstation, non-concurrent, as tcpstate's.
// ShortRun's 3 iterations, but 8 warm-ups: an operation of the tracker and pipeline benchmarks replays a whole trace
// (tens of milliseconds), and on a busy machine tiered compilation needs several of them to reach its final code.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithWarmupCount(8).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun+8warmups"))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOption(ConfigOptions.JoinSummary, true);
BenchmarkSwitcher.FromAssembly(typeof(TcpState.Bench.Micro.Traces).Assembly).Run(args, config);
