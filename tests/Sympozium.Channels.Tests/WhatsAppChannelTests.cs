using System.Globalization;
using System.Text.Json.Nodes;
using Sympozium.Testing;
using Sympozium.Testing.Channels;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>The real channel-whatsapp process (Cloud API) against the fake Graph API and a real nats-server.</summary>
public sealed class WhatsAppChannelTests(ITestOutputHelper output)
{
    private const string AppSecret = "6b1f0a3e9c2d4e5f8a7b6c5d4e3f2a1b";
    private const string VerifyToken = "sympozium-verify-1";
    private const string Customer = "16505551234";

    [Fact]
    public async Task Verification_echoes_the_challenge_only_for_subscribe_with_the_verify_token()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var graph = await FakeWhatsAppCloudApi.StartAsync();
        var (channel, url) = await StartAsync(scenario, graph);
        await using var _ = channel;
        using var http = new HttpClient();

        using var good = await http.GetAsync(new Uri($"{url}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1158201444"));
        using var wrongToken = await http.GetAsync(new Uri($"{url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"));
        using var wrongMode = await http.GetAsync(new Uri($"{url}?hub.mode=unsubscribe&hub.verify_token={VerifyToken}&hub.challenge=2"));

        Assert.Equal(200, (int)good.StatusCode);
        Assert.Equal("1158201444", await good.Content.ReadAsStringAsync());
        Assert.Equal(403, (int)wrongToken.StatusCode);
        Assert.Equal(403, (int)wrongMode.StatusCode);
    }

    [Fact]
    public async Task Signed_text_message_is_published_with_the_wa_id_and_profile_name()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var graph = await FakeWhatsAppCloudApi.StartAsync();
        var (channel, url) = await StartAsync(scenario, graph);
        await using var _ = channel;
        using var http = new HttpClient();

        using var response = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook(graph.PhoneNumberId, Customer, "Grace", "is the build green?", "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdG"), AppSecret);

        Assert.Equal(200, (int)response.StatusCode);
        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("alice", stored.Envelope.Metadata["instanceName"]);
        Assert.Equal("whatsapp", stored.Envelope.Metadata["channel"]);
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("whatsapp", (string?)data["channel"]);
        Assert.Equal(Customer, (string?)data["senderId"]);
        Assert.Equal("Grace", (string?)data["senderName"]);
        Assert.Equal(Customer, (string?)data["chatId"]);
        Assert.Equal("is the build green?", (string?)data["text"]);
        Assert.Equal("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdG", (string?)data["messageId"]);
        Assert.NotNull((string?)data["metadata"]!["timestamp"]);
    }

    [Fact]
    public async Task Bad_or_missing_signature_is_rejected_with_401_and_nothing_is_published()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var graph = await FakeWhatsAppCloudApi.StartAsync();
        var (channel, url) = await StartAsync(scenario, graph);
        await using var _ = channel;
        using var http = new HttpClient();

        using var forged = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook(graph.PhoneNumberId, Customer, "Mallory", "forged", "wamid.1"), "not-the-app-secret");
        using var unsigned = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook(graph.PhoneNumberId, Customer, "Mallory", "unsigned", "wamid.2"), appSecret: null);
        using var image = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook(graph.PhoneNumberId, Customer, "Grace", "a caption", "wamid.3", type: "image"), AppSecret);
        using var otherNumber = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook("999999999999999", Customer, "Grace", "to another number", "wamid.4"), AppSecret);

        Assert.Equal(401, (int)forged.StatusCode);
        Assert.Equal(401, (int)unsigned.StatusCode);
        Assert.Equal(200, (int)image.StatusCode);
        Assert.Equal(200, (int)otherNumber.StatusCode);
        await Task.Delay(500);
        Assert.Empty(await scenario.ReceivedAsync());

        using var genuine = await FakeWhatsAppCloudApi.PostWebhookAsync(http, url,
            FakeWhatsAppCloudApi.TextMessageWebhook(graph.PhoneNumberId, Customer, "Grace", "genuine", "wamid.5"), AppSecret);
        Assert.Equal(200, (int)genuine.StatusCode);
        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("genuine", (string?)JsonNode.Parse(stored.Envelope.Data.GetRawText())!["text"]);
    }

    [Fact]
    public async Task Reply_for_this_instance_is_sent_as_cloud_api_text_and_split_at_4096_characters()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var graph = await FakeWhatsAppCloudApi.StartAsync();
        var (channel, _) = await StartAsync(scenario, graph);
        await using var process = channel;
        var text = string.Join(' ', Enumerable.Range(0, 800).Select(i => "token" + i.ToString(CultureInfo.InvariantCulture))); // About 6,500 characters.

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "whatsapp", ["chatId"] = Customer, ["text"] = text });

        var calls = await graph.WaitForPostsAsync(2, ChannelScenario.Wait);
        Assert.All(calls, call =>
        {
            Assert.Equal(graph.PhoneNumberId, call.Method);
            Assert.Equal("Bearer " + graph.AccessToken, call.Header("Authorization"));
            Assert.Equal("whatsapp", call.Field("messaging_product"));
            Assert.Equal(Customer, call.Field("to"));
            Assert.Equal("text", call.Field("type"));
            Assert.InRange(call.Body!["text"]!["body"]!.ToString().Length, 1, 4096);
        });
        Assert.Equal(text, string.Join(' ', calls.Select(c => c.Body!["text"]!["body"]!.ToString())));
        await Task.Delay(300);
        Assert.Equal(2, graph.MessageCalls.Count);
    }

    [Fact]
    public async Task Server_error_is_retried_and_a_reply_for_another_instance_is_not_sent()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var graph = await FakeWhatsAppCloudApi.StartAsync();
        graph.ScriptPost(FakeReply.ServerError());
        var (channel, _) = await StartAsync(scenario, graph);
        await using var process = channel;

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "whatsapp", ["chatId"] = Customer, ["text"] = "for bob's customer" }, instance: "bob");
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "whatsapp", ["chatId"] = Customer, ["text"] = "for alice's customer" });

        var calls = await graph.WaitForPostsAsync(2, ChannelScenario.Wait);
        Assert.All(calls, call => Assert.Equal("for alice's customer", call.Body!["text"]!["body"]!.ToString()));
        await Task.Delay(500);
        Assert.Equal(2, graph.MessageCalls.Count);
    }

    private async Task<(ChannelProcess Channel, string WebhookUrl)> StartAsync(ChannelScenario scenario, FakeWhatsAppCloudApi graph)
    {
        var port = TestPorts.GetFreeTcpPort();
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["WHATSAPP_ACCESS_TOKEN"] = graph.AccessToken;
        environment["WHATSAPP_PHONE_NUMBER_ID"] = graph.PhoneNumberId;
        environment["WHATSAPP_VERIFY_TOKEN"] = VerifyToken;
        environment["WHATSAPP_APP_SECRET"] = AppSecret;
        environment["WHATSAPP_API_URL"] = graph.ApiUrl;
        environment["WHATSAPP_WEBHOOK_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var channel = ChannelProcess.Start("WhatsApp", scenario.WithCredentials("WhatsApp", environment), output);
        try
        {
            await channel.WaitForLogAsync("Webhook listening", ChannelScenario.Wait);
            return (channel, $"http://127.0.0.1:{port}/webhook");
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }
}
