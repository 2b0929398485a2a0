using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Sympozium.Hosting;

/// <summary>
/// The one console log format of every Sympozium process: one line per entry, UTC timestamp
/// first, no colours, so `kubectl logs` and log shippers read every component alike:
/// <c>2026-01-01T09:00:00.000Z info: Category[id] message</c>.
/// </summary>
public static class ConsoleLogging
{
    /// <summary>The timestamp prefix of every line (ISO 8601, UTC, milliseconds).</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    /// <summary>Adds the console logger in the shared format.</summary>
    public static ILoggingBuilder AddSympoziumConsole(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        return logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = TimestampFormat;
            console.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }
}
