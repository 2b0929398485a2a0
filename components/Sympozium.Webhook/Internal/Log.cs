using Microsoft.Extensions.Logging;

namespace Sympozium.Webhook.Internal;

/// <summary>The webhook's log messages, source-generated, in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Webhook listening on https://{Address}:{Port} ({CertificateSource})")]
    public static partial void Listening(ILogger logger, string address, int port, string certificateSource);

    [LoggerMessage(2, LogLevel.Information, "caBundle patched into {Kind} {Name}")]
    public static partial void CaBundlePatched(ILogger logger, string kind, string name);

    [LoggerMessage(3, LogLevel.Warning, "Could not patch the caBundle of {Kind} {Name}: {Reason}")]
    public static partial void CaBundleNotPatched(ILogger logger, string kind, string name, string reason);

    [LoggerMessage(4, LogLevel.Information, "Denied {Operation} {Kind} {Namespace}/{Name}: {Message}")]
    public static partial void Denied(ILogger logger, string operation, string kind, string? @namespace, string? name, string? message);

    [LoggerMessage(5, LogLevel.Warning, "Could not record the denial of {Kind} {Name}: {Reason}")]
    public static partial void DenialNotRecorded(ILogger logger, string kind, string name, string reason);

    [LoggerMessage(6, LogLevel.Error, "Admission of {Kind} {Namespace}/{Name} failed: {Reason}")]
    public static partial void AdmissionFailed(ILogger logger, string? kind, string? @namespace, string? name, string reason);

    [LoggerMessage(7, LogLevel.Information, "Serving certificate {Action} in Secret {Namespace}/{Name}")]
    public static partial void CertificateStored(ILogger logger, string action, string @namespace, string name);

    [LoggerMessage(20, LogLevel.Warning, "Refused an admission request with HTTP {Status}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, int status, string reason);
}
