namespace Sympozium.Api.WellKnown;

/// <summary>Annotation keys.</summary>
public static class Annotations
{
    public const string ReplyChannel = Labels.Prefix + "reply-channel";
    public const string ReplyChatId = Labels.Prefix + "reply-chat-id";
    public const string ReplyThreadId = Labels.Prefix + "reply-thread-id";
    public const string SenderName = Labels.Prefix + "sender-name";
    public const string SenderId = Labels.Prefix + "sender-id";
    public const string GateVerdict = Labels.Prefix + "gate-verdict";
    public const string DisableServiceAccountToken = Labels.Prefix + "disable-sa-token";

    /// <summary>W3C traceparent of the creator; the controller parents its span on it and passes it to the agent.</summary>
    public const string TraceParent = "otel.dev/traceparent";

    public const string CertManagerClusterIssuer = "cert-manager.io/cluster-issuer";
}
