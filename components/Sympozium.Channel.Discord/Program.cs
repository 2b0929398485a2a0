using Sympozium.Channel.Discord;
using Sympozium.Channels;

// The Discord channel pod (docs/design/channels.md#discord).
return await ChannelHost.RunAsync(DiscordPlatform.ChannelType, args, setup =>
    new DiscordPlatform(DiscordOptions.FromEnvironment(setup.Environment), setup.LoggerFactory));
