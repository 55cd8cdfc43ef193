namespace TcpState.Cli.Output;

/// <summary>
/// A BPF filter chose which frames were analysed (<c>read --filter</c>). Frames it rejected are not counted as read,
/// so the frame accounting still adds up: <see cref="FramesExamined"/> = frames read + frames filtered out.
/// </summary>
internal sealed record FilterReport(string Expression, long FramesExamined);
