using System.Globalization;
using System.Text;

namespace Sympozium.Api.Validation;

/// <summary>Go's time.Duration text form (<c>10m0s</c>, <c>1h30m</c>, <c>1.5h</c>, <c>300ms</c>).</summary>
public static class GoDuration
{
    private static readonly (string Unit, decimal Ticks)[] Units =
    [
        ("ns", 0.01m), ("us", 10m), ("µs", 10m), ("μs", 10m), ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    ];

    // Go durations are int64 nanoseconds (about 292 years); one tick is 100 ns.
    private const decimal MaxTicks = long.MaxValue / 100m;

    /// <summary>Parses a Go duration; an optional leading sign is accepted as Go does.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal ticks = 0;
        while (!s.IsEmpty)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !decimal.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                || s[..i].StartsWith(".") || s[..i].EndsWith("."))
            {
                return false;
            }

            s = s[i..];
            var matched = false;
            foreach (var (unit, unitTicks) in Units.OrderByDescending(u => u.Unit.Length))
            {
                if (s.StartsWith(unit, StringComparison.Ordinal))
                {
                    try
                    {
                        ticks += number * unitTicks;
                    }
                    catch (OverflowException)
                    {
                        return false;
                    }

                    s = s[unit.Length..];
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                return false;
            }
        }

        if (ticks > MaxTicks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)decimal.Round(ticks));
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>Formats like Go's Duration.String(): <c>10m0s</c>, <c>1h30m0s</c>, <c>1.5s</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            sb.Append('-');
            value = value.Duration();
        }

        if (value < TimeSpan.FromSeconds(1))
        {
            // Sub-second values use the largest unit that keeps an integer part.
            var ns = value.Ticks * 100;
            return ns switch
            {
                < 1_000 => sb.Append(ns).Append("ns").ToString(),
                < 1_000_000 => sb.Append(Trim(ns / 1_000m)).Append("µs").ToString(),
                _ => sb.Append(Trim(ns / 1_000_000m)).Append("ms").ToString(),
            };
        }

        var hours = (long)value.TotalHours;
        if (hours > 0)
        {
            sb.Append(hours).Append('h');
        }

        if (hours > 0 || value.Minutes > 0)
        {
            sb.Append(value.Minutes).Append('m');
        }

        var seconds = value.Seconds + (value.Ticks % TimeSpan.TicksPerSecond) / (decimal)TimeSpan.TicksPerSecond;
        sb.Append(Trim(seconds)).Append('s');
        return sb.ToString();
    }

    private static string Trim(decimal value) =>
        value.ToString("0.#########", CultureInfo.InvariantCulture);
}
