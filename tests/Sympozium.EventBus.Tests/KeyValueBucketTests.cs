using System.Text;
using Sympozium.EventBus.Credentials;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// The key-value bucket a restarted channel pod reads its progress from
/// (docs/design/channels.md#outbound-delivery): created by the controller, read and written by
/// the pod with nothing but a put and a direct get.
/// </summary>
public sealed class KeyValueBucketTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public void Key_characters_nats_does_not_allow_are_escaped_so_each_part_stays_one_token()
    {
        Assert.Equal("team-a.alice=2Ev2.reply=2Fuid=3D1", KeyValueBucket.Key("team-a", "alice.v2", "reply/uid=1"));
        Assert.Equal("a.=.x=20y=C3=A9", KeyValueBucket.Key("a", "", "x yé"));

        // Escaping is one-to-one: names that differ give keys that differ.
        Assert.NotEqual(KeyValueBucket.Key("a.b", "c"), KeyValueBucket.Key("a", "b.c"));
        Assert.NotEqual(KeyValueBucket.Key("a=2E", "c"), KeyValueBucket.Key("a.", "c"));
    }

    [Fact]
    public async Task Value_written_by_a_user_is_read_back_after_reconnecting_and_a_key_never_written_reads_null()
    {
        var bucket = new KeyValueBucket("test-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromHours(1));
        await using (var controller = await TestBus.ConnectAsync(nats.Url, output))
        {
            await controller.EnsureBucketAsync(bucket);
            await controller.EnsureBucketAsync(bucket); // Idempotent.
        }

        var key = KeyValueBucket.Key("team-a", "alice", "reply/uid-1");
        await using (var pod = await TestBus.ConnectAsync(nats.Url, output))
        {
            Assert.Null(await pod.GetValueAsync(bucket, key));
            await pod.PutValueAsync(bucket, key, "1/4 abc"u8.ToArray());
            await pod.PutValueAsync(bucket, key, "2/4 abc"u8.ToArray());
        }

        await using var restarted = await TestBus.ConnectAsync(nats.Url, output);
        Assert.Equal("2/4 abc", Encoding.UTF8.GetString((await restarted.GetValueAsync(bucket, key))!));
        Assert.Null(await restarted.GetValueAsync(bucket, KeyValueBucket.Key("team-a", "alice", "reply/uid-2")));

        // One value per key: the older write is gone from the stream.
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var stream = await probe.JetStream.GetStreamAsync(bucket.StreamName);
        Assert.Equal(1, stream.Info.State.Messages);
    }

    [Fact]
    public async Task Writing_to_a_bucket_nobody_created_fails_as_permanent_naming_the_bucket()
    {
        var bucket = new KeyValueBucket("missing-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromHours(1));
        await using var pod = await TestBus.ConnectAsync(nats.Url, output);

        var write = await Assert.ThrowsAsync<EventBusPublishException>(() => pod.PutValueAsync(bucket, "k", "v"u8.ToArray()));
        Assert.False(write.IsTransient);
        Assert.Contains($"Bucket {bucket.Name} does not exist", write.Message, StringComparison.Ordinal);
        var read = await Assert.ThrowsAsync<EventBusUnavailableException>(() => pod.GetValueAsync(bucket, "k"));
        Assert.Contains($"bucket {bucket.Name} does not exist: no stream {bucket.StreamName}", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_credential_cannot_create_the_bucket_nor_read_or_overwrite_another_instances_progress()
    {
        await using var secured = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(secured.Options(secured.Controller(), manageStream: true));
        var alice = secured.Issuer.Issue("channel", NatsPermissions.ForChannel("team-a", "alice", "telegram"), null);
        await using var pod = await NatsEventBus.ConnectAsync(secured.Options(alice) with { RequestTimeout = TimeSpan.FromSeconds(1) });
        var bucket = KeyValueBucket.OutboundProgress;

        await Assert.ThrowsAsync<EventBusUnavailableException>(() => pod.EnsureBucketAsync(bucket));
        await controller.EnsureBucketAsync(bucket);
        var own = KeyValueBucket.Key("team-a", "alice", "reply/uid-1");
        var bobs = KeyValueBucket.Key("team-a", "bob", "reply/uid-2");
        await controller.PutValueAsync(bucket, bobs, "1/2 bob"u8.ToArray());

        await pod.PutValueAsync(bucket, own, "1/2 alice"u8.ToArray());
        Assert.Equal("1/2 alice", Encoding.UTF8.GetString((await pod.GetValueAsync(bucket, own))!));
        await Assert.ThrowsAsync<EventBusPublishException>(() => pod.PutValueAsync(bucket, bobs, "2/2 mallory"u8.ToArray()));
        await Assert.ThrowsAsync<EventBusUnavailableException>(() => pod.GetValueAsync(bucket, bobs));
        Assert.Equal("1/2 bob", Encoding.UTF8.GetString((await controller.GetValueAsync(bucket, bobs))!));
    }
}
