namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>Thrown from the connect callback when a host resolves only to addresses fetch_url must not reach.</summary>
internal sealed class FetchRefusedException(string message) : IOException(message);
