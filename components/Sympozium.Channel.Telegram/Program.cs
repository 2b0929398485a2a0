using Sympozium.Channel.Telegram;
using Sympozium.Channels;

// The Telegram channel pod (docs/design/channels.md#telegram).
return await ChannelHost.RunAsync(TelegramPlatform.ChannelType, args, setup =>
    new TelegramPlatform(TelegramOptions.FromEnvironment(setup.Environment), setup.LoggerFactory));
