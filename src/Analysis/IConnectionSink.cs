namespace TcpState.Analysis;

/// <summary>Receives each connection when its record is final. Called on the analysis thread; must not keep the view.</summary>
public interface IConnectionSink
{
    void OnConnection(in ConnectionView connection);
}
