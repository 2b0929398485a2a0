using System.Globalization;

namespace Sympozium.Api.Validation;

/// <summary>
/// A standard five-field cron expression (minute hour day-of-month month day-of-week) with
/// <c>*</c>, lists, ranges, steps and month/day names, as SympoziumSchedule accepts it.
/// Times are evaluated in UTC.
/// </summary>
public sealed class CronExpression
{
    private static readonly FieldSpec[] Fields =
    [
        new("minute", 0, 59, null),
        new("hour", 0, 23, null),
        new("day-of-month", 1, 31, null),
        new("month", 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        new("day-of-week", 0, 6, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ];

    private readonly ulong[] _bits;
    private readonly bool _domStar;
    private readonly bool _dowStar;

    private CronExpression(string text, ulong[] bits, bool domStar, bool dowStar)
    {
        Text = text;
        _bits = bits;
        _domStar = domStar;
        _dowStar = dowStar;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> names the offending field and its allowed range.</summary>
    public static bool TryParse(string? text, out CronExpression? expression, out string? error)
    {
        expression = null;
        var fields = (text ?? "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = text is { } t && t.TrimStart().StartsWith('@')
                ? $"\"{t}\": descriptors such as @hourly are not supported; write five fields (minute hour day-of-month month day-of-week), e.g. \"0 * * * *\""
                : $"\"{text}\" has {fields.Length} fields; a cron expression has five: minute hour day-of-month month day-of-week (e.g. \"*/5 * * * *\")";
            return false;
        }

        var bits = new ulong[5];
        for (var i = 0; i < 5; i++)
        {
            if (!Fields[i].TryParse(fields[i], out bits[i], out error))
            {
                return false;
            }
        }

        expression = new CronExpression(text!.Trim(), bits, fields[2] is "*" or "?", fields[4] is "*" or "?");
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the reason.</summary>
    public static CronExpression Parse(string text) =>
        TryParse(text, out var expression, out var error) ? expression! : throw new FormatException(error);

    /// <summary>The first time strictly after <paramref name="after"/> (UTC, whole minutes) that matches, or null within five years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var t = after.ToUniversalTime();
        t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!Has(3, t.Month))
            {
                t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }

            if (!Has(1, t.Hour))
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }

            if (!Has(0, t.Minute))
            {
                t = t.AddMinutes(1);
                continue;
            }

            return t;
        }

        return null;
    }

    /// <summary>True when <paramref name="time"/> (to the minute, UTC) matches.</summary>
    public bool Matches(DateTimeOffset time)
    {
        var t = time.ToUniversalTime();
        return Has(0, t.Minute) && Has(1, t.Hour) && Has(3, t.Month) && DayMatches(t);
    }

    public override string ToString() => Text;

    private bool Has(int field, int value) => (_bits[field] & (1UL << value)) != 0;

    // Standard cron: when both day fields are restricted, either may match.
    private bool DayMatches(DateTimeOffset t)
    {
        var dom = Has(2, t.Day);
        var dow = Has(4, (int)t.DayOfWeek);
        return _domStar || _dowStar ? dom && dow : dom || dow;
    }

    private sealed record FieldSpec(string Name, int Min, int Max, string[]? Names)
    {
        public bool TryParse(string text, out ulong bits, out string? error)
        {
            bits = 0;
            foreach (var part in text.Split(','))
            {
                if (!TryParsePart(part, ref bits, out error))
                {
                    return false;
                }
            }

            error = null;
            return true;
        }

        private bool TryParsePart(string part, ref ulong bits, out string? error)
        {
            var rangeText = part;
            var step = 1;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                rangeText = part[..slash];
                if (!int.TryParse(part.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                {
                    error = Bad(part, "the step after '/' must be a positive number");
                    return false;
                }
            }

            int low, high;
            if (rangeText is "*" or "?")
            {
                (low, high) = (Min, Max);
            }
            else
            {
                var dash = rangeText.IndexOf('-', StringComparison.Ordinal);
                if (dash >= 0)
                {
                    if (!TryValue(rangeText[..dash], out low, out error) || !TryValue(rangeText[(dash + 1)..], out high, out error))
                    {
                        return false;
                    }

                    if (low > high)
                    {
                        error = Bad(part, $"the range {low}-{high} runs backwards");
                        return false;
                    }
                }
                else
                {
                    if (!TryValue(rangeText, out low, out error))
                    {
                        return false;
                    }

                    high = slash >= 0 ? Max : low;
                }
            }

            for (var v = low; v <= high; v += step)
            {
                bits |= 1UL << v;
            }

            error = null;
            return true;
        }

        private bool TryValue(string text, out int value, out string? error)
        {
            error = null;
            if (Names is not null)
            {
                var index = Array.FindIndex(Names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
                if (index >= 0)
                {
                    value = index + Min;
                    return true;
                }
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < Min || value > Max)
            {
                error = Bad(text, $"allowed values are {Min}-{Max}{(Names is null ? "" : " or " + Names[0] + "-" + Names[^1])}");
                return false;
            }

            return true;
        }

        private string Bad(string text, string why) => $"{Name} field \"{text}\" is invalid: {why}";
    }
}
