using TcpState.Analysis.Connections;
using TcpState.Capture;

namespace TcpState.Analysis.Tests;

/// <summary>A detail taken from the pool is a fresh connection's, whatever its last user left in it.</summary>
public class DetailPoolTests
{
    [Fact]
    public void A_reused_detail_keeps_nothing_of_its_previous_connection()
    {
        var pool = new DetailPool();
        int first = pool.Rent();
        pool[first].TransitionCount = 5;
        pool[first].TransitionHead = pool[first].TransitionTail = 3;
        pool[first].TimeWaitAnchor = new PacketTime(7);
        pool[first].A.State = RfcState.Established;
        pool[first].Zeek.MissedBytes = 9;
        pool.Return(first);

        int second = pool.Rent();

        Assert.Equal(first, second);
        Assert.Equal(0, pool[second].TransitionCount);
        Assert.Equal(-1, pool[second].TransitionHead);
        Assert.Equal(-1, pool[second].TransitionTail);
        Assert.Equal(PacketTime.Zero, pool[second].TimeWaitAnchor);
        Assert.Equal(RfcState.Closed, pool[second].A.State);
        Assert.Equal(0UL, pool[second].Zeek.MissedBytes);
    }
}
