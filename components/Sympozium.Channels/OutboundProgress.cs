using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Sympozium.Channels.Internal;
using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// How many parts of a split reply were sent, kept where a restarted pod finds it: the bucket
/// <see cref="KeyValueBucket.OutboundProgress"/> (<c>sympozium-outbound</c>), key
/// <c>&lt;namespace&gt;.&lt;instance&gt;.&lt;message id&gt;</c>, value <c>&lt;sent&gt;/&lt;parts&gt; &lt;fingerprint&gt;</c>
/// (docs/design/channels.md#outbound-delivery). A redelivery after a crash resumes at the first
/// part not sent. The pod never creates the bucket (the controller does); without it, or while
/// NATS does not answer, progress is kept in this process only and a crash may resend parts.
/// </summary>
public sealed class OutboundProgress(NatsEventBus? bus, ILogger logger)
{
    private const int MaxRemembered = 1000;
    private static readonly KeyValueBucket Bucket = KeyValueBucket.OutboundProgress;

    // After a failure the bucket is left alone this long: a missing bucket answers a read only
    // with a timeout, and no part should wait for that.
    private static readonly TimeSpan RetryBucketAfter = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, string> _remembered = [];
    private long _bucketUnusableUntil; // Environment.TickCount64; 0 while it works.

    /// <summary>
    /// The key of one outbound event: namespace, instance, and the publisher's message id (e.g.
    /// <c>reply/&lt;run uid&gt;</c>), else the stream sequence.
    /// </summary>
    public static string Key(ChannelOptions options, ReceivedEvent received)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(received);
        var id = string.IsNullOrEmpty(received.MessageId)
            ? "seq-" + received.StreamSequence.ToString(CultureInfo.InvariantCulture)
            : received.MessageId;
        return KeyValueBucket.Key(options.Namespace, options.InstanceName, id);
    }

    /// <summary>
    /// Names the reply a record belongs to (chat and text), so a record left by another reply
    /// under the same key (stream sequences start again when NATS loses its store) is not
    /// taken for this one's.
    /// </summary>
    public static string Fingerprint(string chatId, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(chatId + "\n" + text)))[..16];

    /// <summary>Parts of this reply already sent: 0 when nothing is recorded for it.</summary>
    public async Task<int> PartsSentAsync(string key, string fingerprint, CancellationToken cancellationToken)
    {
        string? record;
        lock (_remembered)
        {
            record = _remembered.GetValueOrDefault(key);
        }

        var remembered = Parse(record, fingerprint);
        if (bus is null || BucketResting)
        {
            return remembered;
        }

        try
        {
            var stored = await bus.GetValueAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            BucketWorks();
            return Math.Max(remembered, stored is null ? 0 : Parse(Encoding.UTF8.GetString(stored), fingerprint));
        }
        catch (EventBusUnavailableException e)
        {
            BucketFailed(e.Message);
            return remembered;
        }
    }

    /// <summary>Records that the first <paramref name="partsSent"/> of <paramref name="parts"/> parts were sent.</summary>
    public async Task RecordAsync(string key, string fingerprint, int partsSent, int parts, CancellationToken cancellationToken)
    {
        var record = string.Create(CultureInfo.InvariantCulture, $"{partsSent}/{parts} {fingerprint}");
        lock (_remembered)
        {
            if (_remembered.Count >= MaxRemembered && !_remembered.ContainsKey(key))
            {
                _remembered.Clear(); // Only a guard; entries are removed when their event is done.
            }

            _remembered[key] = record;
        }

        if (bus is null || BucketResting)
        {
            return;
        }

        try
        {
            await bus.PutValueAsync(Bucket, key, Encoding.UTF8.GetBytes(record), cancellationToken).ConfigureAwait(false);
            BucketWorks();
        }
        catch (EventBusPublishException e)
        {
            // Sending goes on: only a crash before the next record could resend a part.
            BucketFailed(e.Message);
        }
    }

    /// <summary>Drops this process's copy of a record (the bucket's copy expires by itself).</summary>
    public void Forget(string key)
    {
        lock (_remembered)
        {
            _remembered.Remove(key);
        }
    }

    private static int Parse(string? record, string fingerprint)
    {
        // "<sent>/<parts> <fingerprint>"
        var space = record?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (record is null || space < 0 || record[(space + 1)..] != fingerprint)
        {
            return 0;
        }

        var slash = record.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && int.TryParse(record.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var sent) ? sent : 0;
    }

    private bool BucketResting
    {
        get
        {
            var until = Interlocked.Read(ref _bucketUnusableUntil);
            return until != 0 && Environment.TickCount64 < until;
        }
    }

    private void BucketWorks()
    {
        if (Interlocked.Exchange(ref _bucketUnusableUntil, 0) != 0)
        {
            Log.ProgressBucketBack(logger, Bucket.Name);
        }
    }

    private void BucketFailed(string reason)
    {
        // Logged when it starts failing, not on every part.
        if (Interlocked.Exchange(ref _bucketUnusableUntil, Environment.TickCount64 + (long)RetryBucketAfter.TotalMilliseconds) == 0)
        {
            Log.ProgressBucketFailed(logger, Bucket.Name, reason);
        }
    }
}
