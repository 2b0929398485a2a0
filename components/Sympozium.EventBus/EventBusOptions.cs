using System.Globalization;
using System.Text;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;

namespace Sympozium.EventBus;

/// <summary>
/// How a component reaches the event bus. Bound from the environment variables the pod spec
/// sets (<see cref="FromEnvironment"/>); change with <c>with</c>. <see cref="ToString"/> never
/// prints a secret.
/// </summary>
public sealed record EventBusOptions
{
    public const string UrlVariable = EnvironmentVariables.EventBusUrl;
    public const string TokenVariable = EnvironmentVariables.NatsToken;
    public const string UserVariable = EnvironmentVariables.NatsUser;
    public const string PasswordVariable = EnvironmentVariables.NatsPassword;
    public const string ConnectTimeoutVariable = EnvironmentVariables.EventBusConnectTimeout;
    public const string CredentialsVariable = EnvironmentVariables.NatsCredentials;
    public const string InboxPrefixVariable = EnvironmentVariables.NatsInboxPrefix;
    public const string ManageStreamVariable = EnvironmentVariables.EventBusManageStream;

    /// <summary>The defaults: the in-cluster URL, no auth.</summary>
    public static EventBusOptions Default { get; } = new();

    /// <summary>NATS URL (default: nats://nats.sympozium-system.svc:4222, env EVENT_BUS_URL).</summary>
    public string Url { get; init; } = Defaults.EventBusUrl;

    /// <summary>Token authentication (default: none, env NATS_TOKEN). Never logged.</summary>
    public string? Token { get; init; }

    /// <summary>User for user/password authentication (default: none, env NATS_USER).</summary>
    public string? User { get; init; }

    /// <summary>Password for <see cref="User"/> (default: none, env NATS_PASSWORD). Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Path of a NATS credentials file (user JWT + nkey seed) for decentralized JWT
    /// authentication (default: none, env NATS_CREDS). The client reads it at every (re)connect.
    /// </summary>
    public string? CredentialsFile { get; init; }

    /// <summary>In-memory user credentials (the controller mints its own); wins over <see cref="CredentialsFile"/>. Never logged.</summary>
    public Credentials.NatsUserCredentials? Credentials { get; init; }

    /// <summary>
    /// Prefix of reply inboxes (default: <c>_INBOX</c>, env NATS_INBOX_PREFIX). Restricted
    /// credentials may subscribe only to their own prefix, so it must match them.
    /// </summary>
    public string? InboxPrefix { get; init; }

    /// <summary>
    /// Whether this process creates or updates the stream on connect and when a publish finds
    /// none (default: true, env EVENT_BUS_MANAGE_STREAM=false turns it off). Only the controller
    /// manages the stream in a cluster; restricted credentials may not.
    /// </summary>
    public bool ManageStream { get; init; } = true;

    /// <summary>Client name shown by the server's connz (default: none).</summary>
    public string? ClientName { get; init; }

    /// <summary>
    /// How long the first connection (and stream set-up) is retried before giving up with
    /// <see cref="EventBusUnavailableException"/>; <see cref="Timeout.InfiniteTimeSpan"/> retries
    /// forever (default: 60 s, env EVENT_BUS_CONNECT_TIMEOUT as a Go duration or seconds).
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one TCP connect attempt (default: 5 s).</summary>
    public TimeSpan ConnectAttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Shortest wait between reconnect attempts after a connection is lost (default: 250 ms).</summary>
    public TimeSpan ReconnectWaitMin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between reconnect attempts; reconnects never stop (default: 2 s, as upstream).</summary>
    public TimeSpan ReconnectWaitMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of one JetStream API call or publish acknowledgement (default: 5 s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the stream keeps events (default: 24 h, as upstream).</summary>
    public TimeSpan StreamMaxAge { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Most bytes the stream keeps; the oldest events are dropped beyond it (default: 512 MiB,
    /// half the server's JetStream store, so the store's own limit never stops publishing).
    /// </summary>
    public long StreamMaxBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Largest event the stream accepts (default: 1 MiB, the server's max_payload).</summary>
    public int StreamMaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// JetStream de-duplication window for message ids (default: 10 min). Long enough that a
    /// process restarted after a crash republishes into the window and is de-duplicated.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts at create-or-update of the stream (default: 10, 2 s apart, as upstream).</summary>
    public int StreamSetupAttempts { get; init; } = 10;

    /// <summary>Reads EVENT_BUS_URL, NATS_TOKEN, NATS_USER, NATS_PASSWORD, NATS_CREDS, NATS_INBOX_PREFIX, EVENT_BUS_MANAGE_STREAM and EVENT_BUS_CONNECT_TIMEOUT.</summary>
    /// <param name="getVariable">Environment lookup (default: the process environment).</param>
    /// <exception cref="FormatException">EVENT_BUS_CONNECT_TIMEOUT is not a duration, or NATS_PASSWORD is set without NATS_USER.</exception>
    public static EventBusOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = Default with
        {
            Url = NullIfEmpty(getVariable(UrlVariable)) ?? Defaults.EventBusUrl,
            Token = NullIfEmpty(getVariable(TokenVariable)),
            User = NullIfEmpty(getVariable(UserVariable)),
            Password = NullIfEmpty(getVariable(PasswordVariable)),
            // A path in the pod's filesystem, under SYMPOZIUM_ROOT where the pod has one.
            CredentialsFile = NullIfEmpty(getVariable(CredentialsVariable)) is { } creds ? IpcPaths.Resolve(creds, getVariable(IpcPaths.RootVariable)) : null,
            InboxPrefix = NullIfEmpty(getVariable(InboxPrefixVariable)),
            ManageStream = !string.Equals(NullIfEmpty(getVariable(ManageStreamVariable)), "false", StringComparison.OrdinalIgnoreCase),
        };

        if (options.CredentialsFile is { } path && !File.Exists(path))
        {
            throw new FormatException($"{CredentialsVariable}='{path}' does not exist: the controller mounts the credentials it minted for this pod there; check the pod's volumes.");
        }

        if (options.Password is not null && options.User is null)
        {
            throw new FormatException($"{PasswordVariable} is set but {UserVariable} is not: set both for user/password authentication, or use {TokenVariable}.");
        }

        var timeout = NullIfEmpty(getVariable(ConnectTimeoutVariable));
        if (timeout is not null)
        {
            options = options with { ConnectTimeout = ParseTimeout(ConnectTimeoutVariable, timeout) };
        }

        return options;
    }

    /// <summary>
    /// Parses a duration setting: a Go duration (<c>90s</c>, <c>2m</c>), whole seconds
    /// (<c>90</c>), or <c>0</c>/<c>-1</c>/<c>infinite</c> for no limit.
    /// </summary>
    public static TimeSpan ParseTimeout(string variable, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text is "0" or "-1" || text.Equals("infinite", StringComparison.OrdinalIgnoreCase))
        {
            return Timeout.InfiniteTimeSpan;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        throw new FormatException($"{variable}='{text}' is not a duration: use seconds (60) or a Go duration (90s, 2m), or 'infinite'.");
    }

    /// <summary>The URL with any user information replaced, fit for a log line.</summary>
    public string RedactedUrl => Internal.UrlRedaction.Redact(Url);

    /// <summary>Which authentication is configured: <c>jwt</c>, <c>credentials file</c>, <c>token</c>, <c>user/password</c> or <c>none</c>.</summary>
    public string AuthenticationKind =>
        Credentials is not null ? "jwt" : CredentialsFile is not null ? "credentials file" : Token is not null ? "token" : User is not null ? "user/password" : "none";

    // Records print every property; secrets must never reach a log line or an exception.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Url = ").Append(RedactedUrl)
            .Append(", Authentication = ").Append(AuthenticationKind)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", DuplicateWindow = ").Append(DuplicateWindow);
        return true;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
