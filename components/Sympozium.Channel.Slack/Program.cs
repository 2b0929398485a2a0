using Sympozium.Channel.Slack;
using Sympozium.Channels;

// The Slack channel pod (data-plane.md §5.3).
return await ChannelHost.RunAsync(SlackPlatform.ChannelType, args, setup =>
    new SlackPlatform(SlackOptions.FromEnvironment(setup.Environment), setup.Options, setup.LoggerFactory));
