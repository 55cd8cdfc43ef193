using TcpState.Capture.Decoding;
using static TcpState.Capture.Tests.Decoding.Packets;

namespace TcpState.Capture.Tests.Decoding;

/// <summary>A spread of valid frames that decode to TCP, one per encapsulation, for tests that sweep over many inputs.</summary>
internal static class SampleFrames
{
    private static readonly byte[] Options = Hex("020405b4 0402 080a0000000100000000 01 030307");
    private static readonly byte[] Segment = Tcp(flags: TcpFlags.Psh | TcpFlags.Ack, options: Options, payload: new byte[33]);
    private static readonly byte[] InnerIpv4 = Ipv4(6, Segment);
    private static readonly byte[] InnerIpv6 = Ipv6(6, Segment);

    public static IEnumerable<(string Name, byte[] Bytes, LinkType LinkType)> All()
    {
        yield return ("ethernet-ipv4", Ethernet(0x0800, InnerIpv4), LinkType.Ethernet);
        yield return ("ethernet-ipv4-options", Ethernet(0x0800, Ipv4(6, Segment, options: Hex("01010100"))), LinkType.Ethernet);
        yield return ("qinq-ipv6", Ethernet(0x88A8, Concat(VlanTag(1, 0x8100), VlanTag(2, 0x86DD), InnerIpv6)), LinkType.Ethernet);
        yield return ("mpls-pseudowire", Ethernet(0x8847, Concat(MplsLabel(1, false), MplsLabel(2, true), U32(0), Ethernet(0x0800, InnerIpv4))), LinkType.Ethernet);
        yield return ("pbb", Ethernet(0x88E7, Concat(Hex("00012345"), Ethernet(0x0800, InnerIpv4))), LinkType.Ethernet);
        yield return ("fabricpath", Ethernet(0x8903, Concat(Hex("4001"), Ethernet(0x86DD, InnerIpv6))), LinkType.Ethernet);
        yield return ("vntag", Ethernet(0x8926, Concat(Hex("80010002"), U16(0x0800), InnerIpv4)), LinkType.Ethernet);
        yield return ("sll", Concat(U16(0), U16(1), U16(6), new byte[8], U16(0x0800), InnerIpv4), LinkType.LinuxSll);
        yield return ("sll2", Concat(U16(0x86DD), U16(0), U32(3), U16(1), [0, 6], new byte[8], InnerIpv6), LinkType.LinuxSll2);
        yield return ("null", Concat(Hex("1e000000"), InnerIpv6), LinkType.Null);
        yield return ("loop", Concat(Hex("00000002"), InnerIpv4), LinkType.Loop);
        yield return ("raw", InnerIpv6, LinkType.Raw);
        // hop-by-hop (16 bytes) → destination options (8) → AH (12) → TCP
        yield return ("ipv6-extensions", Ipv6(6, Segment,
            Concat(Ipv6Extension(60, 1), Ipv6Extension(51), AuthenticationHeader(6, 1)), firstNextHeader: 0), LinkType.Ipv6);
        yield return ("ipip", Ipv4(4, InnerIpv4), LinkType.Ipv4);
        yield return ("gre-keyed", Ethernet(0x0800, Ipv4(47, Concat(Hex("b0000800 00000000 00000001 00000002"), InnerIpv4))), LinkType.Ethernet);
        yield return ("gre-teb", Ethernet(0x0800, Ipv4(47, Concat(Hex("00006558"), Ethernet(0x0800, InnerIpv4)))), LinkType.Ethernet);
        yield return ("pptp", Ethernet(0x0800, Ipv4(47, Concat(Hex("3001880b"), U16(InnerIpv4.Length + 4), Hex("0001 00000001 ff030021"), InnerIpv4))), LinkType.Ethernet);
        yield return ("erspan3", Ethernet(0x0800, Ipv4(47, Concat(Hex("100022eb 00000001 200a0001 01020304 00000001"), new byte[8], Ethernet(0x0800, InnerIpv4)))), LinkType.Ethernet);
        yield return ("vxlan", Ethernet(0x0800, Ipv4(17, Udp(1, 4789, Concat(Hex("08000000 00007b00"), Ethernet(0x0800, InnerIpv4))))), LinkType.Ethernet);
        yield return ("geneve", Ethernet(0x0800, Ipv4(17, Udp(1, 6081, Concat(Hex("02006558 00012300 01008001 00000000"), Ethernet(0x86DD, InnerIpv6))))), LinkType.Ethernet);
        yield return ("gtpu", Ethernet(0x0800, Ipv4(17, Udp(2152, 2152, Concat(Hex("34ff"), U16(8 + InnerIpv4.Length), Hex("00000001 00000085 01001000"), InnerIpv4)))), LinkType.Ethernet);
        yield return ("teredo", Ethernet(0x0800, Ipv4(17, Udp(3544, 1, Concat(Hex("0000 f12a b9c82815"), InnerIpv6)))), LinkType.Ethernet);
        yield return ("gre-in-udp", Ethernet(0x86DD, Ipv6(17, Udp(1, 4754, Concat(Hex("000086dd"), InnerIpv6)))), LinkType.Ethernet);
    }
}
