using Sympozium.Channel.Discord;
using Sympozium.Channels;

// The Discord channel pod (data-plane.md §5.4).
return await ChannelHost.RunAsync(DiscordPlatform.ChannelType, args, setup =>
    new DiscordPlatform(DiscordOptions.FromEnvironment(setup.Environment), setup.LoggerFactory));
