using System.Globalization;
using System.Text;
using Sympozium.Channels;

namespace Sympozium.Channel.Telegram;

/// <summary>The Telegram settings of a channel pod, from the channel Secret and the Deployment. Never prints the token.</summary>
public sealed record TelegramOptions
{
    public const string TokenVariable = "TELEGRAM_BOT_TOKEN";
    public const string ApiUrlVariable = "TELEGRAM_API_URL";
    public const string AllowedChatsVariable = "TELEGRAM_ALLOWED_CHAT_IDS";
    public const string PollTimeoutVariable = "TELEGRAM_POLL_TIMEOUT";
    public const string DefaultApiUrl = "https://api.telegram.org";

    /// <summary>The bot token from BotFather (env TELEGRAM_BOT_TOKEN, required). Never logged.</summary>
    public required string BotToken { get; init; }

    /// <summary>Bot API root (default: https://api.telegram.org, env TELEGRAM_API_URL).</summary>
    public string ApiUrl { get; init; } = DefaultApiUrl;

    /// <summary>
    /// Chats this bot talks with (env TELEGRAM_ALLOWED_CHAT_IDS, comma-separated; default: empty,
    /// meaning every chat). Messages from other chats are ignored and never published; replies to
    /// other chats are refused.
    /// </summary>
    public IReadOnlySet<string> AllowedChatIds { get; init; } = new HashSet<string>();

    /// <summary>
    /// Long-poll window of getUpdates (default: 30 s, env TELEGRAM_POLL_TIMEOUT). The HTTP
    /// timeout is this plus 15 s: upstream used the same value for both, so polls timed out.
    /// </summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static TelegramOptions FromEnvironment(EnvironmentReader environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var chats = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in environment.List(AllowedChatsVariable))
        {
            if (!long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                throw new ChannelConfigurationException($"{AllowedChatsVariable} holds '{id}', which is not a Telegram chat id: use numeric ids such as 12345,-1001234567890.");
            }

            chats.Add(number.ToString(CultureInfo.InvariantCulture));
        }

        var poll = environment.Duration(PollTimeoutVariable, TimeSpan.FromSeconds(30));
        if (poll < TimeSpan.FromSeconds(1) || poll > TimeSpan.FromSeconds(50))
        {
            throw new ChannelConfigurationException($"{PollTimeoutVariable} must be between 1 and 50 seconds, not {poll.TotalSeconds:0.#} s.");
        }

        return new TelegramOptions
        {
            BotToken = environment.Required(TokenVariable, "the channel Secret (channels[].configRef.secret), the token BotFather gave"),
            ApiUrl = environment.Url(ApiUrlVariable, DefaultApiUrl),
            AllowedChatIds = chats,
            PollTimeout = poll,
        };
    }

    /// <summary>Whether the bot may talk with this chat.</summary>
    public bool Allows(string chatId) => AllowedChatIds.Count == 0 || AllowedChatIds.Contains(chatId);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ApiUrl = ").Append(ApiUrl)
            .Append(", AllowedChatIds = ").Append(AllowedChatIds.Count == 0 ? "all" : string.Join(',', AllowedChatIds))
            .Append(", PollTimeout = ").Append(PollTimeout);
        return true;
    }
}
