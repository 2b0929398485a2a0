using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sympozium.EventBus;
using Sympozium.IpcBridge.Internal;

namespace Sympozium.IpcBridge;

/// <summary>
/// Publishes the agent's /ipc files, each exactly once, one after the other in the order they
/// appeared. The fix for upstream's file-IPC races
/// (docs/design/ipc-protocol.md#exactly-once-publishing, upstream-fixes.md#dp-9):
/// <list type="bullet">
/// <item>a file is read only when it is complete: writers rename finished files into place, and
/// a file that is not valid JSON yet is read again until it has settled; one that never
/// becomes JSON is reported and skipped, never published as <c>null</c>;</item>
/// <item>files present before the bridge started are found by the start-up scan, and missed
/// watcher events by the periodic rescan;</item>
/// <item>a file is published once across restarts: <see cref="PublishedFileLog"/> remembers
/// acknowledged files and the message id (<c>run:session:path</c>) lets JetStream drop a
/// republish after a crash. Rewriting a published path is not published again (as upstream).</item>
/// </list>
/// </summary>
internal sealed class OutboundRelay
{
    private readonly IpcBridgeOptions _options;
    private readonly PublishedFileLog _publishedLog;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private int _pending;

    // Completed whenever nothing is pending; replaced by a fresh one when a file is queued.
    private TaskCompletionSource _drained = Completed();
    private long? _outageStarted;

    public OutboundRelay(IpcBridgeOptions options, PublishedFileLog publishedLog, ILogger logger, TimeProvider? clock = null)
    {
        _options = options;
        _publishedLog = publishedLog;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        foreach (var path in publishedLog.Published)
        {
            _files[path] = FileState.Handled;
        }
    }

    private enum FileState
    {
        Queued,
        Deferred,
        Handled,
    }

    /// <summary>Files seen but not yet published, suppressed or rejected.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending;
            }
        }
    }

    /// <summary>Whether the file was published (now or before a restart), suppressed or rejected.</summary>
    public bool IsHandled(string relativePath)
    {
        lock (_lock)
        {
            return _files.TryGetValue(relativePath, out var state) && state == FileState.Handled;
        }
    }

    /// <summary>Queues a file (path relative to /ipc) unless it is not for the bus or already known.</summary>
    public void Offer(string relativePath)
    {
        if (IpcRoute.Classify(relativePath) is null)
        {
            return;
        }

        lock (_lock)
        {
            if (!_files.TryAdd(relativePath, FileState.Queued))
            {
                return;
            }

            if (_pending++ == 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _queue.Writer.TryWrite(relativePath);
    }

    /// <summary>Offers every file in the published directories, oldest first.</summary>
    public void Rescan()
    {
        var found = new List<(DateTime Written, string Path)>();
        foreach (var directory in IpcRoute.PublishedDirectories)
        {
            try
            {
                foreach (var file in new DirectoryInfo(Path.Combine(_options.IpcDirectory, directory)).EnumerateFiles())
                {
                    found.Add((file.LastWriteTimeUtc, directory + "/" + file.Name));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory the agent has not created yet, or one being replaced: next rescan.
            }
        }

        // Oldest first keeps the agent's order (stream chunk before result) after a restart.
        found.Sort((a, b) => a.Written != b.Written ? a.Written.CompareTo(b.Written) : string.CompareOrdinal(a.Path, b.Path));
        foreach (var (_, path) in found)
        {
            Offer(path);
        }
    }

    /// <summary>Publishes queued files until cancelled; fails when NATS stays away longer than the outage limit.</summary>
    /// <param name="bus">Completes with the publisher once connected (files are read and checked before that).</param>
    /// <param name="cancellationToken">Stops the relay.</param>
    /// <exception cref="EventBusUnavailableException">NATS was unreachable for longer than <see cref="IpcBridgeOptions.BusOutageLimit"/>.</exception>
    public async Task RunAsync(Task<IEventPublisher> bus, CancellationToken cancellationToken)
    {
        await foreach (var path in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await ProcessAsync(path, bus, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rescans and waits until nothing is pending. False when <paramref name="timeout"/> passes
    /// first or <paramref name="relay"/> (the <see cref="RunAsync"/> task) has stopped. Woken by
    /// the last pending file being handled, never by a poll interval, so the bridge exits as soon
    /// as the last publish is acknowledged.
    /// </summary>
    public async Task<bool> DrainAsync(Task relay, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Rescan();
            Task drained;
            lock (_lock)
            {
                if (_pending == 0)
                {
                    return true;
                }

                drained = _drained.Task;
            }

            if (relay.IsCompleted)
            {
                return false;
            }

            var wake = Task.WhenAny(drained, relay);
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var remaining = timeout - clock.Elapsed;
            try
            {
                await wake.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Pending == 0;
            }
        }
    }

    private async Task ProcessAsync(string relativePath, Task<IEventPublisher> bus, CancellationToken cancellationToken)
    {
        var route = IpcRoute.Classify(relativePath)!;
        if (_options.SuppressCompletion && route.SuppressedByGate)
        {
            // The controller publishes the completion once the gate hook has decided
            // (docs/design/ipc-protocol.md#gate-mode).
            Log.SuppressedByGate(_logger, relativePath, route.Topic);
            Finish(relativePath);
            return;
        }

        var fullPath = Path.Combine(_options.IpcDirectory, relativePath);
        byte[] content;
        DateTime written;
        try
        {
            content = await File.ReadAllBytesAsync(fullPath, cancellationToken).ConfigureAwait(false);
            written = File.GetLastWriteTimeUtc(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Forget(relativePath); // Renamed away or deleted; offered again if it comes back.
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(_logger, relativePath, e.Message);
            Forget(relativePath); // The next rescan tries again.
            return;
        }

        if (!TryParseJson(content, out var data))
        {
            var age = _clock.GetUtcNow().UtcDateTime - written;
            if (age < _options.SettleTime)
            {
                Defer(relativePath, _options.SettleTime - age, cancellationToken);
                return;
            }

            Log.NotJson(_logger, relativePath, content.Length, route.Topic);
            Finish(relativePath);
            return;
        }

        var envelope = EventEnvelope.Create(route.Topic, _options.Metadata(), data, _clock) with { Subject = _options.SubjectFor(route.Topic) };
        var messageId = _options.AgentRunId + ":" + _publishedLog.Session + ":" + relativePath;
        var publisher = await bus.WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = await PublishWithRetryAsync(publisher, envelope, messageId, relativePath, cancellationToken).ConfigureAwait(false);
        if (result is { } ack)
        {
            _publishedLog.Append(relativePath);
            Log.Published(_logger, relativePath, envelope.Subject, ack.Sequence, ack.Duplicate);
        }

        Finish(relativePath);
    }

    private async Task<PublishResult?> PublishWithRetryAsync(
        IEventPublisher publisher,
        EventEnvelope envelope,
        string messageId,
        string relativePath,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await publisher.PublishAsync(envelope, messageId, cancellationToken).ConfigureAwait(false);
                _outageStarted = null;
                return result;
            }
            catch (EventBusPublishException e) when (!e.IsTransient)
            {
                Log.PublishRejected(_logger, relativePath, envelope.Subject, e.Message);
                return null;
            }
            catch (EventBusPublishException e)
            {
                _outageStarted ??= Stopwatch.GetTimestamp();
                var outage = Stopwatch.GetElapsedTime(_outageStarted.Value);
                if (_options.BusOutageLimit != Timeout.InfiniteTimeSpan && outage > _options.BusOutageLimit)
                {
                    throw new EventBusUnavailableException(
                        $"NATS has not acknowledged {relativePath} for {outage.TotalSeconds:0} s (limit {_options.BusOutageLimit.TotalSeconds:0} s, {EventBusOptions.ConnectTimeoutVariable}): {e.Message}",
                        e);
                }

                var delay = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, Math.Min(attempt - 1, 5)), 5000));
                Log.PublishRetrying(_logger, relativePath, attempt, e.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool TryParseJson(byte[] content, out JsonElement data)
    {
        data = default;
        var start = content.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        if (content.Length == start)
        {
            return false;
        }

        try
        {
            // The whole file must be one JSON value: a torn write or trailing garbage is not.
            using var document = JsonDocument.Parse(content.AsMemory(start));
            data = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Defer(string relativePath, TimeSpan delay, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _files[relativePath] = FileState.Deferred;
        }

        _ = RequeueLaterAsync();

        async Task RequeueLaterAsync()
        {
            try
            {
                await Task.Delay(delay + TimeSpan.FromMilliseconds(50), _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_lock)
            {
                _files[relativePath] = FileState.Queued;
            }

            _queue.Writer.TryWrite(relativePath);
        }
    }

    private void Finish(string relativePath)
    {
        lock (_lock)
        {
            _files[relativePath] = FileState.Handled;
            Decrement();
        }
    }

    private void Forget(string relativePath)
    {
        lock (_lock)
        {
            _files.Remove(relativePath);
            Decrement();
        }
    }

    // Called under _lock.
    private void Decrement()
    {
        if (--_pending == 0)
        {
            _drained.TrySetResult();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
