using Sympozium.Channel.Slack;
using Sympozium.Channels;

// The Slack channel pod (docs/design/channels.md#slack).
return await ChannelHost.RunAsync(SlackPlatform.ChannelType, args, setup =>
    new SlackPlatform(SlackOptions.FromEnvironment(setup.Environment), setup.Options, setup.LoggerFactory));
