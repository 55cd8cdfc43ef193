namespace TcpState.Cli.Tests;

/// <summary>
/// The tests that capture on loopback run one at a time. A capture's filter names its own ports, but another test's
/// load (thousands of connections) takes ephemeral ports that can be those very numbers, and its packets then show in
/// the other capture's counts.
/// </summary>
[CollectionDefinition(nameof(LoopbackTraffic))]
public sealed class LoopbackTraffic;
