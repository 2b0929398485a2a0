using System.Text;
using Sympozium.Channels;

namespace Sympozium.Channel.Slack;

/// <summary>How the pod receives events from Slack.</summary>
public enum SlackMode
{
    /// <summary>An outbound WebSocket (apps.connections.open); needs SLACK_APP_TOKEN, no public endpoint.</summary>
    SocketMode,

    /// <summary>Slack POSTs to <c>:3000/slack/events</c>; every request's signature is verified with SLACK_SIGNING_SECRET.</summary>
    EventsApi,
}

/// <summary>The Slack settings of a channel pod, from the channel Secret. Never prints a token or the secret.</summary>
public sealed record SlackOptions
{
    public const string BotTokenVariable = "SLACK_BOT_TOKEN";
    public const string AppTokenVariable = "SLACK_APP_TOKEN";
    public const string SigningSecretVariable = "SLACK_SIGNING_SECRET";
    public const string ApiUrlVariable = "SLACK_API_URL";
    public const string EventsPortVariable = "SLACK_EVENTS_PORT";
    public const string DefaultApiUrl = "https://slack.com/api";
    public const int DefaultEventsPort = 3000;

    private const string FromSecret = "the channel Secret (channels[].configRef.secret)";

    /// <summary>Bot token <c>xoxb-…</c> for chat.postMessage (env SLACK_BOT_TOKEN, required).</summary>
    public required string BotToken { get; init; }

    /// <summary>App-level token <c>xapp-…</c> with connections:write (env SLACK_APP_TOKEN); set = Socket Mode.</summary>
    public string? AppToken { get; init; }

    /// <summary>The app's signing secret (env SLACK_SIGNING_SECRET); required for the Events API.</summary>
    public string? SigningSecret { get; init; }

    /// <summary>Web API root (default: https://slack.com/api, env SLACK_API_URL).</summary>
    public string ApiUrl { get; init; } = DefaultApiUrl;

    /// <summary>Port of <c>/slack/events</c> in Events API mode (default: 3000, env SLACK_EVENTS_PORT).</summary>
    public int EventsPort { get; init; } = DefaultEventsPort;

    /// <summary>How requests older (or newer) than this are rejected, against replays (default: 5 min, Slack's advice).</summary>
    public TimeSpan SignatureTolerance { get; init; } = TimeSpan.FromMinutes(5);

    public SlackMode Mode => AppToken is null ? SlackMode.EventsApi : SlackMode.SocketMode;

    public static SlackOptions FromEnvironment(EnvironmentReader environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var appToken = environment.Optional(AppTokenVariable);
        var secret = environment.Optional(SigningSecretVariable);
        if (appToken is null && secret is null)
        {
            throw new ChannelConfigurationException(
                $"Neither {AppTokenVariable} nor {SigningSecretVariable} is set: set {AppTokenVariable} (xapp-…) in {FromSecret} for Socket Mode, " +
                $"or {SigningSecretVariable} for the Events API (requests are never accepted unsigned).");
        }

        return new SlackOptions
        {
            BotToken = environment.Required(BotTokenVariable, FromSecret + ", the bot token xoxb-…"),
            AppToken = appToken,
            SigningSecret = secret,
            ApiUrl = environment.Url(ApiUrlVariable, DefaultApiUrl),
            EventsPort = environment.Port(EventsPortVariable, DefaultEventsPort),
        };
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Mode = ").Append(Mode)
            .Append(", ApiUrl = ").Append(ApiUrl)
            .Append(", EventsPort = ").Append(EventsPort);
        return true;
    }
}
