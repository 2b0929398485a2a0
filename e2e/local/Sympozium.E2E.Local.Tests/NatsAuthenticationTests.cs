using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.E2E.Local.Tests.Support;
using Sympozium.EventBus;
using Sympozium.EventBus.Credentials;
using Sympozium.Testing.Llm;
using Sympozium.Testing.Probes;

namespace Sympozium.E2E.Local.Tests;

/// <summary>
/// The installed NATS against the attacks of docs/design/event-bus.md#credentials: nobody
/// connects without credentials, and the credentials the controller minted for an agent pod
/// reach only that run's own subjects.
/// </summary>
[Collection(SharedControlPlane.Name)]
public sealed class NatsAuthenticationTests(LocalControlPlaneFixture fixture)
{
    private const string Ns = "team-nats";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_anonymous_client_is_refused_by_the_installed_NATS()
    {
        var url = await NatsUrlAsync();

        var error = await Assert.ThrowsAsync<EventBusUnavailableException>(() => NatsEventBus.ConnectAsync(EventBusOptions.Default with
        {
            Url = url,
            ConnectTimeout = TimeSpan.FromSeconds(3),
        }));

        Assert.Contains("Authorization Violation", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_agent_pods_credentials_cannot_publish_a_channel_message_for_another_tenant_nor_another_runs_result()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(LlmReply.Say("done"));
        await fixture.EnsureNamespaceAsync(Ns);
        await CreateAsync("sympoziuminstances", new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "SympoziumInstance",
            ["metadata"] = new JsonObject { ["name"] = "assistant", ["namespace"] = Ns },
            ["spec"] = new JsonObject { ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl } } },
        });
        await CreateAsync("agentruns", new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "AgentRun",
            ["metadata"] = new JsonObject { ["name"] = "minted", ["namespace"] = Ns },
            ["spec"] = new JsonObject
            {
                ["instanceRef"] = "assistant",
                ["agentId"] = "default",
                ["sessionKey"] = "",
                ["task"] = "say done",
                ["timeout"] = "5m",
                ["model"] = new JsonObject { ["provider"] = "openai-compatible", ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl, ["authSecretRef"] = "" },
            },
        });

        // What the controller minted for this run's ipc-bridge, as the pod would read it.
        var secret = await fixture.WaitForAsync(Ns, "the run's NATS credentials Secret", Patience, () => fixture.Api.GetAsync($"/api/v1/namespaces/{Ns}/secrets/minted-nats"));
        var run = await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns/minted");
        var uid = run!["metadata"]!["uid"]!.ToString();
        Assert.Equal("AgentRun", secret["metadata"]?["ownerReferences"]?[0]?["kind"]?.ToString());
        var expires = DateTimeOffset.Parse(secret["metadata"]!["annotations"]!["sympozium.ai/nats-expires"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(16));
        var creds = Path.GetTempFileName();
        await File.WriteAllBytesAsync(creds, Convert.FromBase64String(secret["data"]!["user.creds"]!.ToString()));
        try
        {
            await using var bridge = await NatsEventBus.ConnectAsync(EventBusOptions.Default with
            {
                Url = await NatsUrlAsync(),
                CredentialsFile = creds,
                InboxPrefix = NatsPermissions.ForRun(Ns, uid).InboxPrefix,
                ManageStream = false,
                RequestTimeout = TimeSpan.FromSeconds(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });

            // Its own run's subject works.
            await bridge.PublishAsync(Envelope(NatsSubjects.AgentStatusUpdate, NatsSubjects.FromRun(Ns, uid, NatsSubjects.AgentStatusUpdate)));

            // A message "from" another tenant's chat, the flat upstream subject, a result for another
            // run (suppressing its real reply), a reply straight to a channel pod: all refused.
            string[] forged =
            [
                NatsSubjects.FromChannel("team-a", "assistant", "telegram", NatsSubjects.ChannelMessageReceived),
                NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived),
                NatsSubjects.FromRun(Ns, Guid.NewGuid().ToString(), NatsSubjects.AgentRunCompleted),
                NatsSubjects.ToChannel(Ns, "assistant", "telegram", NatsSubjects.ChannelMessageSend),
            ];
            foreach (var subject in forged)
            {
                await Assert.ThrowsAsync<EventBusPublishException>(() => bridge.PublishAsync(Envelope(NatsSubjects.ChannelMessageReceived, subject)));
            }

            // Seen from the controller's side: nothing forged was stored, the own event was.
            await using var probe = await ControllerProbeAsync();
            foreach (var subject in forged)
            {
                Assert.Equal(0, await probe.CountAsync(subject));
            }

            Assert.Equal(1, await probe.CountAsync(NatsSubjects.FromRun(Ns, uid, NatsSubjects.AgentStatusUpdate)));
        }
        finally
        {
            File.Delete(creds);
        }
    }

    private static EventEnvelope Envelope(string topic, string subject)
    {
        using var data = JsonDocument.Parse("""{"text":"forged","chatId":"1","channel":"telegram"}""");
        return EventEnvelope.Create(topic, new Dictionary<string, string> { [NatsSubjects.Metadata.AgentRunId] = "minted" }, data.RootElement.Clone()) with { Subject = subject };
    }

    /// <summary>A stream reader with the controller's rights, minted from the installed signing key.</summary>
    private async Task<JetStreamProbe> ControllerProbeAsync()
    {
        var key = await fixture.Api.GetAsync($"/api/v1/namespaces/{LocalControlPlaneFixture.SystemNamespace}/secrets/sympozium-nats-signing-key");
        string Read(string name) => Encoding.UTF8.GetString(Convert.FromBase64String(key!["data"]![name]!.ToString()));
        var controller = new NatsCredentialIssuer(Read(NatsCredentialIssuer.SeedFile), Read(NatsCredentialIssuer.AccountFile)).Issue("e2e probe", NatsPermissions.ForController(), TimeSpan.FromMinutes(5));
        return await JetStreamProbe.ConnectAsync(await NatsUrlAsync(), NATS.Client.Core.NatsAuthOpts.Default with { Jwt = controller.Jwt, Seed = controller.Seed }, controller.InboxPrefix);
    }

    /// <summary>The NATS Service's endpoint (the local cluster has no Service addresses).</summary>
    private async Task<string> NatsUrlAsync()
    {
        var endpoints = await fixture.Api.GetAsync($"/api/v1/namespaces/{LocalControlPlaneFixture.SystemNamespace}/endpoints/nats");
        var subset = endpoints?["subsets"]?[0];
        var ip = subset?["addresses"]?[0]?["ip"]?.ToString() ?? throw new InvalidOperationException("the nats Service has no ready endpoint");
        var port = subset["ports"]?.AsArray().FirstOrDefault(p => p?["name"]?.ToString() == "client")?["port"]?.ToString() ?? "4222";
        return $"nats://{ip}:{port}";
    }

    private async Task CreateAsync(string resource, JsonObject body)
    {
        var (status, response) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/{resource}", body);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"creating {resource} {body["metadata"]?["name"]}: {(int)status} {response}");
    }
}
