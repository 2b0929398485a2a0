using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sympozium.Hosting.Tests;

/// <summary>The host-less logger of the ipc-bridge writes exactly the lines the hosted console logger writes.</summary>
public sealed partial class ConsoleLineLoggerFactoryTests
{
    private static readonly IReadOnlyDictionary<string, string?> NoVariables = new Dictionary<string, string?>();
    private static readonly EventId Probe = new(7);

    [Fact]
    public void A_line_reads_like_the_hosted_console_logger_s()
    {
        var output = new StringWriter();
        using var factory = new ConsoleLineLoggerFactory(output, NoVariables, new FixedClock());

        var logger = factory.CreateLogger("Sympozium.IpcBridge");

        Ready(logger, "/ipc");

        Assert.Equal("2026-01-02T03:04:05.678Z info: Sympozium.IpcBridge[2002] ipc-bridge ready: watching /ipc" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void The_same_entry_through_the_hosted_console_logger_gives_the_same_text_after_the_timestamp()
    {
        var hosted = new StringWriter();
        var original = Console.Out;
        Console.SetOut(hosted);
        try
        {
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddSympoziumConsole());
            using (var provider = services.BuildServiceProvider())
            {
                var hostedLogger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Sympozium.Probe");
                hostedLogger.LogWarning(Probe, "two\nlines {Value}", 42);
            }
        }
        finally
        {
            Console.SetOut(original);
        }

        var ours = new StringWriter();
        using (var factory = new ConsoleLineLoggerFactory(ours, NoVariables))
        {
            var logger = factory.CreateLogger("Sympozium.Probe");
            logger.LogWarning(Probe, "two\nlines {Value}", 42);
        }

        Assert.Equal(hosted.ToString().Trim()[ConsoleLogging.TimestampFormat.Length..], ours.ToString().Trim()[ConsoleLogging.TimestampFormat.Length..]);
    }

    [Fact]
    public void An_exception_stays_on_the_same_line()
    {
        var output = new StringWriter();
        using var factory = new ConsoleLineLoggerFactory(output, NoVariables);

        var logger = factory.CreateLogger("C");
        var failure = new InvalidOperationException("bad\nthing");
        var crashed = new EventId(1);

        logger.LogCritical(crashed, failure, "failed");

        var line = Assert.Single(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("crit: C[1] failed System.InvalidOperationException: bad thing", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Levels_come_from_the_Logging__LogLevel_variables_and_the_longest_prefix_wins()
    {
        var variables = new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Sympozium"] = "Error",
            ["Logging__LogLevel__Sympozium.EventBus"] = "Debug",
        };
        using var factory = new ConsoleLineLoggerFactory(TextWriter.Null, variables);

        Assert.False(factory.CreateLogger("Other").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Other").IsEnabled(LogLevel.Warning));
        Assert.False(factory.CreateLogger("Sympozium.IpcBridge").IsEnabled(LogLevel.Warning));
        Assert.True(factory.CreateLogger("Sympozium.EventBus.NatsEventBus").IsEnabled(LogLevel.Debug));
    }

    [Fact]
    public void Without_variables_the_level_is_Information()
    {
        using var factory = new ConsoleLineLoggerFactory(TextWriter.Null, NoVariables);

        Assert.False(factory.CreateLogger("Any").IsEnabled(LogLevel.Debug));
        Assert.True(factory.CreateLogger("Any").IsEnabled(LogLevel.Information));
    }

    [LoggerMessage(2002, LogLevel.Information, "ipc-bridge ready: watching {Directory}")]
    private static partial void Ready(ILogger logger, string directory);

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    }
}
