using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>The shared IPC helpers: unique ids and atomic files
/// (docs/design/ipc-protocol.md#exactly-once-publishing, upstream-fixes.md#dp-9).</summary>
public sealed class IpcPlumbingTests : IDisposable
{
    private readonly ToolTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private sealed class FrozenClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    [Fact]
    public void Ids_from_a_clock_that_does_not_move_are_still_unique_and_increasing()
    {
        var clock = new FrozenClock();
        var perThread = new List<long>[4];

        Parallel.For(0, perThread.Length, t =>
        {
            perThread[t] = [.. Enumerable.Range(0, 1000).Select(_ => long.Parse(IpcRequestIds.Next(clock), System.Globalization.CultureInfo.InvariantCulture))];
        });

        var all = perThread.SelectMany(ids => ids).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(perThread, ids => Assert.Equal(ids.Order(), ids));
        Assert.All(all, id => Assert.True(id >= 1_767_225_600_000_000_000));
    }

    [Fact]
    public async Task A_reader_polling_the_directory_never_sees_a_partial_file()
    {
        var path = _root.Disk("/ipc/messages/send-1.json");
        var content = new byte[512 * 1024];
        Array.Fill(content, (byte)'m');
        using var stop = new CancellationTokenSource();
        var torn = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (File.ReadAllBytes(path).Length != content.Length)
                    {
                        torn++;
                    }
                }
                catch (FileNotFoundException)
                {
                }
            }
        });

        for (var i = 0; i < 50; i++)
        {
            IpcFileWriter.Write(path, content);
        }

        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, torn);
        Assert.Equal(["send-1.json"], _root.Files("/ipc/messages"));
    }
}
