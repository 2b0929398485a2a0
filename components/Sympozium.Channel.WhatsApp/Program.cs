using Sympozium.Channel.WhatsApp;
using Sympozium.Channels;

// The WhatsApp channel pod, Cloud API flavour (docs/design/channels.md#whatsapp-cloud-api; see
// WhatsAppPlatform).
return await ChannelHost.RunAsync(WhatsAppPlatform.ChannelType, args, setup =>
    new WhatsAppPlatform(WhatsAppOptions.FromEnvironment(setup.Environment), setup.Options, setup.LoggerFactory));
