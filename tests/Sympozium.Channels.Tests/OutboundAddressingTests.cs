using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.EventBus;

namespace Sympozium.Channels.Tests;

/// <summary>The fix for upstream's cross-instance delivery (docs/design/upstream-fixes.md#dp-5).</summary>
public sealed class OutboundAddressingTests
{
    private static readonly ChannelOptions Alice = new()
    {
        Channel = "telegram",
        InstanceName = "alice",
        Namespace = "team-a",
        EventBus = EventBusOptions.Default,
    };

    [Theory]
    [InlineData("alice", "team-a", "telegram", true)]
    [InlineData("bob", "team-a", "telegram", false)]
    [InlineData("alice", "team-b", "telegram", false)]
    [InlineData("alice", "team-a", "slack", false)]
    [InlineData("alice", null, "telegram", false)]
    public void Only_events_for_this_instance_namespace_and_channel_are_delivered(string instance, string? ns, string channel, bool expected)
    {
        var metadata = new Dictionary<string, string> { ["instanceName"] = instance };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        var envelope = EventEnvelope.Create("channel.message.send", metadata, JsonDocument.Parse("{}").RootElement);

        Assert.Equal(expected, OutboundConsumer.IsAddressedTo(envelope, new OutboundMessage { Channel = channel, ChatId = "1", Text = "x" }, Alice));
    }

    [Fact]
    public void Consumer_names_of_different_instances_never_collide()
    {
        var first = OutboundConsumer.ConsumerName(Alice with { Namespace = "a-b", InstanceName = "c" });
        var second = OutboundConsumer.ConsumerName(Alice with { Namespace = "a", InstanceName = "b-c" });

        Assert.NotEqual(first, second);
        Assert.Equal("channel-telegram_a-b_c", first);
        Assert.Equal(first, SubscriptionOptions.ConsumerName(first));
        var longName = OutboundConsumer.ConsumerName(Alice with { InstanceName = new string('x', 253) });
        Assert.True(longName.Length <= 200);
        Assert.NotEqual(longName, OutboundConsumer.ConsumerName(Alice with { InstanceName = new string('x', 252) + "y" }));
    }

    [Fact]
    public void Inbound_message_id_names_channel_namespace_instance_chat_and_platform_id()
    {
        Assert.Equal("telegram/team-a/alice/-100/42", InboundPublisher.MessageId(Alice, "-100", "42"));
    }

    [Fact]
    public void Missing_instance_and_bad_port_are_reported_by_variable_name()
    {
        var missing = Assert.Throws<ChannelConfigurationException>(() =>
            ChannelOptions.FromEnvironment("telegram", new EnvironmentReader(name => name == "POD_NAMESPACE" ? "team-a" : null)));
        Assert.StartsWith("INSTANCE_NAME is not set", missing.Message, StringComparison.Ordinal);

        var port = Assert.Throws<ChannelConfigurationException>(() => ChannelOptions.FromEnvironment("telegram", new EnvironmentReader(name => name switch
        {
            "INSTANCE_NAME" => "alice",
            "POD_NAMESPACE" => "team-a",
            "HEALTH_PORT" => "http",
            _ => null,
        })));
        Assert.Contains("HEALTH_PORT='http'", port.Message, StringComparison.Ordinal);
    }
}
