using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Sympozium.Hosting.Tests;

/// <summary>Every executable logs one way: single-line, UTC ISO timestamps, no colours.</summary>
public sealed class ConsoleLoggingTests
{
    [Fact]
    public void The_console_format_is_single_line_UTC_without_colours()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSympoziumConsole());
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue;
        Assert.True(options.SingleLine);
        Assert.True(options.UseUtcTimestamp);
        Assert.Equal("yyyy-MM-ddTHH:mm:ss.fffZ ", options.TimestampFormat);
        Assert.Equal(LoggerColorBehavior.Disabled, options.ColorBehavior);
        Assert.Equal(ConsoleFormatterNames.Simple, provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    [Fact]
    public void The_component_host_takes_log_levels_from_the_environment()
    {
        var variable = "Logging__LogLevel__Sympozium.Hosting.Tests.Probe";
        Environment.SetEnvironmentVariable(variable, "Warning");
        try
        {
            var builder = ComponentHost.CreateBuilder([]);
            using var host = builder.Build();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sympozium.Hosting.Tests.Probe");
            Assert.False(logger.IsEnabled(LogLevel.Information));
            Assert.True(logger.IsEnabled(LogLevel.Warning));
            Assert.True(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Other").IsEnabled(LogLevel.Information));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
