using System.Buffers.Binary;
using System.Security.Cryptography;
using TcpState.Capture;
using TcpState.Capture.Files;

namespace TcpState.Fuzzing;

/// <summary>A capture file the mutators start from.</summary>
internal sealed record SeedFile(string Name, byte[] Bytes);

/// <summary>A real frame from a seed file, the starting point of single-frame mutations.</summary>
internal sealed record FrameSample(byte[] Data, LinkType LinkType, int OriginalLength);

/// <summary>
/// The seeds: the recorded captures, the Zeek corpus traces and the checked-in regression inputs, in a fixed order so a
/// seed and an iteration number always mean the same input. Large files are cut at a record boundary so that one
/// iteration stays cheap; frames are taken from every file, duplicates removed.
/// </summary>
internal sealed class SeedCorpus
{
    /// <summary>Seeds are cut to this size at a record boundary: mutations are about structure, not volume.</summary>
    public const int MaxSeedBytes = 192 * 1024;

    /// <summary>Enough distinct frames to cover every link type and encapsulation in the corpus.</summary>
    private const int MaxFrameSamples = 60_000;

    private SeedCorpus(List<SeedFile> files, List<FrameSample> frames)
    {
        Files = files;
        Frames = frames;
    }

    public IReadOnlyList<SeedFile> Files { get; }

    public IReadOnlyList<FrameSample> Frames { get; }

    public static string RepositoryRoot { get; } = FindRoot();

    public static IEnumerable<string> DefaultDirectories()
    {
        yield return Path.Combine(RepositoryRoot, "captures");
        yield return Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpus", "zeek", "traces"));
        foreach (var project in Directory.GetDirectories(Path.Combine(RepositoryRoot, "tests")))
            yield return Path.Combine(project, "Regressions");
    }

    public static SeedCorpus Load(IEnumerable<string> directories)
    {
        var files = new List<SeedFile>();
        var frames = new List<FrameSample>();
        var seenFrames = new HashSet<(LinkType, UInt128)>();
        foreach (var directory in directories.Where(Directory.Exists))
        {
            var paths = Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
                .Where(IsCapture)
                .OrderBy(p => p, StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var bytes = File.ReadAllBytes(path);
                string name = Path.GetRelativePath(Path.GetDirectoryName(RepositoryRoot)!, path);
                files.Add(new SeedFile(name, Trim(bytes)));
                CollectFrames(bytes, name, frames, seenFrames);
            }
        }
        if (frames.Count > MaxFrameSamples)
        {
            // Keep an even spread, so every file's link types and encapsulations stay represented.
            double step = frames.Count / (double)MaxFrameSamples;
            frames = Enumerable.Range(0, MaxFrameSamples).Select(i => frames[(int)(i * step)]).ToList();
        }
        return new SeedCorpus(files, frames);
    }

    private static bool IsCapture(string path) =>
        Path.GetExtension(path) is ".pcap" or ".pcapng" or ".gz" or ".cap" or ".trace";

    /// <summary>The file cut after the last record that ends within <see cref="MaxSeedBytes"/>.</summary>
    private static byte[] Trim(byte[] bytes)
    {
        if (bytes.Length <= MaxSeedBytes)
            return bytes;
        var layout = CaptureLayout.Parse(bytes);
        int end = layout.Records.Select(r => r.End).Where(e => e <= MaxSeedBytes).DefaultIfEmpty(MaxSeedBytes).Max();
        return bytes[..end];
    }

    private static void CollectFrames(byte[] bytes, string name, List<FrameSample> frames, HashSet<(LinkType, UInt128)> seen)
    {
        if (!CaptureFile.TryOpen(new MemoryStream(bytes, writable: false), name, out var source, out _))
            return;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        using (source)
        {
            while (source!.TryReadFrame(out var frame))
            {
                SHA256.HashData(frame.Data, digest);
                if (seen.Add((frame.LinkType, BinaryPrimitives.ReadUInt128LittleEndian(digest))))
                    frames.Add(new FrameSample(frame.Data.ToArray(), frame.LinkType, frame.OriginalLength));
            }
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Analyzer.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Analyzer.sln not found above " + AppContext.BaseDirectory);
    }
}
