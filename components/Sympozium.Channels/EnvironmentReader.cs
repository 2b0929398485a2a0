using System.Globalization;
using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// Reads settings from the pod's environment with errors that name the variable and the fix.
/// Empty values count as unset (a Secret key with an empty value is a common mistake).
/// </summary>
/// <param name="getVariable">Environment lookup (default: the process environment).</param>
public sealed class EnvironmentReader(Func<string, string?>? getVariable = null)
{
    private readonly Func<string, string?> _get = getVariable ?? Environment.GetEnvironmentVariable;

    /// <summary>The lookup this reader uses, for options that read more variables themselves.</summary>
    public Func<string, string?> Lookup => _get;

    /// <summary>The value, or null when unset or empty.</summary>
    public string? Optional(string name)
    {
        var value = _get(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>The value; throws naming the variable when it is unset or empty.</summary>
    /// <param name="name">Variable name.</param>
    /// <param name="hint">Where the value should come from, e.g. "the channel Secret (channels[].configRef.secret)".</param>
    public string Required(string name, string hint) =>
        Optional(name) ?? throw new ChannelConfigurationException($"{name} is not set: set it in {hint}.");

    /// <summary>A TCP port (1–65535), or <paramref name="fallback"/> when unset.</summary>
    public int Port(string name, int fallback)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return port;
        }

        throw new ChannelConfigurationException($"{name}='{text}' is not a TCP port: use a number from 1 to 65535.");
    }

    /// <summary>A duration (seconds or a Go duration such as 30s), or <paramref name="fallback"/> when unset.</summary>
    public TimeSpan Duration(string name, TimeSpan fallback)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }

        try
        {
            var value = EventBusOptions.ParseTimeout(name, text);
            return value == Timeout.InfiniteTimeSpan
                ? throw new ChannelConfigurationException($"{name}='{text}' must be a positive duration such as 30 or 30s.")
                : value;
        }
        catch (FormatException e)
        {
            throw new ChannelConfigurationException(e.Message, e);
        }
    }

    /// <summary>An http(s) URL without a trailing slash, or <paramref name="fallback"/> when unset.</summary>
    public string Url(string name, string fallback)
    {
        var text = Optional(name) ?? fallback;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ChannelConfigurationException($"{name}='{text}' is not an http(s) URL, e.g. {fallback}.");
        }

        return text.TrimEnd('/');
    }

    /// <summary>A comma-separated list (blanks dropped); empty when unset.</summary>
    public IReadOnlyList<string> List(string name) =>
        Optional(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
