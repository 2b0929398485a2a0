namespace Sympozium.AgentRunner.Tools.Mcp;

/// <summary>Ids of MCP requests: 1, 2, 3, … shared by the tools of one manifest, as upstream's process counter.</summary>
internal sealed class McpRequestCounter
{
    private long _last;

    public long Next() => Interlocked.Increment(ref _last);
}
