using System.Text;
using Sympozium.Channels;

namespace Sympozium.Channel.Discord;

/// <summary>The Discord settings of a channel pod, from the channel Secret. Never prints the token.</summary>
public sealed record DiscordOptions
{
    public const string TokenVariable = "DISCORD_BOT_TOKEN";
    public const string ApiUrlVariable = "DISCORD_API_URL";
    public const string AllowedChannelsVariable = "DISCORD_ALLOWED_CHANNEL_IDS";
    public const string DefaultApiUrl = "https://discord.com/api/v10";

    /// <summary>
    /// Gateway intents: GUILD_MESSAGES (1&lt;&lt;9), DIRECT_MESSAGES (1&lt;&lt;12) and MESSAGE_CONTENT
    /// (1&lt;&lt;15, privileged: enable it for the bot in the developer portal, or the gateway closes with 4014).
    /// </summary>
    public const int Intents = (1 << 9) | (1 << 12) | (1 << 15);

    /// <summary>The bot token (env DISCORD_BOT_TOKEN, required). Never logged.</summary>
    public required string BotToken { get; init; }

    /// <summary>REST root, API version included (default: https://discord.com/api/v10, env DISCORD_API_URL).</summary>
    public string ApiUrl { get; init; } = DefaultApiUrl;

    /// <summary>
    /// Channels this bot talks in (env DISCORD_ALLOWED_CHANNEL_IDS, comma-separated snowflakes;
    /// default: empty, meaning every channel it can see). Messages elsewhere are never published;
    /// replies elsewhere are refused.
    /// </summary>
    public IReadOnlySet<string> AllowedChannelIds { get; init; } = new HashSet<string>();

    public static DiscordOptions FromEnvironment(EnvironmentReader environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var channels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in environment.List(AllowedChannelsVariable))
        {
            if (!IsSnowflake(id))
            {
                throw new ChannelConfigurationException($"{AllowedChannelsVariable} holds '{id}', which is not a Discord channel id: use numeric ids such as 1234567890123456789.");
            }

            channels.Add(id);
        }

        return new DiscordOptions
        {
            BotToken = environment.Required(TokenVariable, "the channel Secret (channels[].configRef.secret), the bot token from the developer portal"),
            ApiUrl = environment.Url(ApiUrlVariable, DefaultApiUrl),
            AllowedChannelIds = channels,
        };
    }

    /// <summary>Whether the bot may talk in this channel.</summary>
    public bool Allows(string channelId) => AllowedChannelIds.Count == 0 || AllowedChannelIds.Contains(channelId);

    /// <summary>A Discord id: 1–20 decimal digits (also keeps a chat id from reaching the URL path unescaped).</summary>
    public static bool IsSnowflake(string id) => id.Length is > 0 and <= 20 && id.All(char.IsAsciiDigit);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ApiUrl = ").Append(ApiUrl)
            .Append(", AllowedChannelIds = ").Append(AllowedChannelIds.Count == 0 ? "all" : string.Join(',', AllowedChannelIds));
        return true;
    }
}
