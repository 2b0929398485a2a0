using System.Collections;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Sympozium.Hosting;

/// <summary>
/// The shared console format (<see cref="ConsoleLogging"/>) without the generic host: for the
/// size-first sidecars that start once per run (the ipc-bridge), where Microsoft.Extensions.Hosting,
/// the console logger's options/configuration machinery and its background writer thread cost
/// megabytes of binary, milliseconds of start-up and an idle thread
/// (docs/design/edge-startup.md). Lines are identical to the hosted console logger's:
/// <c>2026-01-01T09:00:00.000Z info: Category[id] message</c>, exceptions on the same line.
/// Levels come from the same variables as the hosted components: <c>Logging__LogLevel__Default</c>
/// and <c>Logging__LogLevel__&lt;category prefix&gt;</c> (the longest matching prefix wins;
/// default Information).
/// </summary>
public sealed class ConsoleLineLoggerFactory : ILoggerFactory
{
    private const string LevelVariablePrefix = "Logging__LogLevel__";

    private readonly TextWriter _output;
    private readonly Lock _writeLock = new();
    private readonly LogLevel _default;
    private readonly (string Prefix, LogLevel Level)[] _rules;
    private readonly TimeProvider _clock;

    /// <summary>A factory writing to <paramref name="output"/> with levels from <paramref name="variables"/>.</summary>
    public ConsoleLineLoggerFactory(TextWriter output, IReadOnlyDictionary<string, string?> variables, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(variables);
        _output = output;
        _clock = clock ?? TimeProvider.System;
        _default = LogLevel.Information;
        var rules = new List<(string, LogLevel)>();
        foreach (var (name, value) in variables)
        {
            if (!name.StartsWith(LevelVariablePrefix, StringComparison.OrdinalIgnoreCase) || !Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level))
            {
                continue;
            }

            // Configuration keys use ':' or '__'; either separates nothing inside a category.
            var category = name[LevelVariablePrefix.Length..];
            if (category.Equals("Default", StringComparison.OrdinalIgnoreCase))
            {
                _default = level;
            }
            else
            {
                rules.Add((category, level));
            }
        }

        // Longest prefix first: the most specific rule wins, as in the hosted logger's filter.
        _rules = [.. rules.OrderByDescending(r => r.Item1.Length)];
    }

    /// <summary>Writes to standard output, levels from the process environment.</summary>
    public static ConsoleLineLoggerFactory FromEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(LevelVariablePrefix, StringComparison.OrdinalIgnoreCase))
            {
                variables[key] = entry.Value as string;
            }
        }

        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        return new ConsoleLineLoggerFactory(stdout, variables);
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        return new LineLogger(this, categoryName, MinimumLevel(categoryName));
    }

    /// <summary>Not supported: this factory has exactly one sink.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("ConsoleLineLoggerFactory writes to the console only.");

    /// <inheritdoc />
    public void Dispose() => _output.Flush();

    internal LogLevel MinimumLevel(string category)
    {
        foreach (var (prefix, level) in _rules)
        {
            if (category.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }

        return _default;
    }

    private void Write(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var line = new StringBuilder(64 + category.Length + message.Length);
        line.Append(_clock.GetUtcNow().UtcDateTime.ToString(ConsoleLogging.TimestampFormat, CultureInfo.InvariantCulture));
        line.Append(LevelName(level)).Append(": ").Append(category).Append('[').Append(eventId.Id.ToString(CultureInfo.InvariantCulture)).Append(']');
        if (message.Length > 0)
        {
            line.Append(' ');
            AppendOneLine(line, message);
        }

        if (exception is not null)
        {
            line.Append(' ');
            AppendOneLine(line, exception.ToString());
        }

        lock (_writeLock)
        {
            _output.WriteLine(line.ToString());
        }
    }

    // Single-line, as the hosted console logger writes it: line breaks become spaces.
    private static void AppendOneLine(StringBuilder line, string text) =>
        line.Append(text.Replace(Environment.NewLine, " ", StringComparison.Ordinal));

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString(),
    };

    private sealed class LineLogger(ConsoleLineLoggerFactory owner, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                owner.Write(category, logLevel, eventId, formatter(state, exception), exception);
            }
        }
    }
}
