using Microsoft.Extensions.Logging;
using Sympozium.Channel.Slack.Internal;
using Sympozium.Api.Messages;
using Sympozium.Channels;

namespace Sympozium.Channel.Slack;

/// <summary>Slack for a channel pod: Socket Mode or the Events API in, chat.postMessage (in the thread) out.</summary>
internal sealed class SlackPlatform : IChannelPlatform, IDisposable
{
    public const string ChannelType = "slack";

    /// <summary>
    /// chat.postMessage truncates text beyond 40,000 characters; a longer reply is split instead.
    /// (Slack recommends 4,000 for readability, but several short posts read worse than one long one.)
    /// </summary>
    public const int TextLimit = 40_000;

    private readonly SlackOptions _options;
    private readonly ChannelOptions _channel;
    private readonly SlackWebApi _api;
    private readonly ILogger _logger;

    public SlackPlatform(SlackOptions options, ChannelOptions channel, ILoggerFactory loggerFactory)
    {
        _options = options;
        _channel = channel;
        _logger = loggerFactory.CreateLogger("Sympozium.Channel.Slack");
        _api = new SlackWebApi(options, _logger);
    }

    public int MaxTextLength => TextLimit;

    public Task ReceiveAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        Log.Mode(_logger, _options.Mode, _options.ApiUrl);
        return _options.Mode == SlackMode.SocketMode
            ? new SlackSocketMode(_api, _logger).RunAsync(inbound, health, cancellationToken)
            : new SlackEventsEndpoint(_options, _logger).RunAsync(_channel.BindAddress, inbound, health, cancellationToken);
    }

    public Task SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        _api.PostMessageAsync(
            new PostMessageRequest { Channel = message.ChatId ?? "", Text = message.Text, ThreadTs = string.IsNullOrEmpty(message.ThreadId) ? null : message.ThreadId },
            cancellationToken);

    public void Dispose() => _api.Dispose();
}
