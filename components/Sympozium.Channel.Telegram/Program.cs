using Sympozium.Channel.Telegram;
using Sympozium.Channels;

// The Telegram channel pod (data-plane.md §5.2).
return await ChannelHost.RunAsync(TelegramPlatform.ChannelType, args, setup =>
    new TelegramPlatform(TelegramOptions.FromEnvironment(setup.Environment), setup.LoggerFactory));
