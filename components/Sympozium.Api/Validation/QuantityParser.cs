using System.Globalization;
using System.Text.RegularExpressions;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Validation;

/// <summary>Parses Kubernetes resource quantities (<c>500m</c>, <c>2</c>, <c>4Gi</c>, <c>1e3</c>) to their value.</summary>
public static partial class QuantityParser
{
    private static readonly Dictionary<string, decimal> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1m,
        ["n"] = 0.000000001m, ["u"] = 0.000001m, ["m"] = 0.001m,
        ["k"] = 1e3m, ["M"] = 1e6m, ["G"] = 1e9m, ["T"] = 1e12m, ["P"] = 1e15m, ["E"] = 1e18m,
        ["Ki"] = 1024m, ["Mi"] = 1024m * 1024, ["Gi"] = 1024m * 1024 * 1024, ["Ti"] = 1024m * 1024 * 1024 * 1024,
        ["Pi"] = 1024m * 1024 * 1024 * 1024 * 1024, ["Ei"] = 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
    };

    /// <summary>The quantity's value in base units (cores, bytes); false when the text is not a quantity or is out of range.</summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text) || !QuantityRegex().IsMatch(text))
        {
            return false;
        }

        var match = SplitRegex().Match(text);
        if (!match.Success || !decimal.TryParse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var suffix = match.Groups["suffix"].Value;
        try
        {
            if (suffix.Length > 0 && (suffix[0] == 'e' || suffix[0] == 'E'))
            {
                var exponent = int.Parse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (Math.Abs(exponent) > 27)
                {
                    return false;
                }

                value = number * Pow10(exponent);
                return true;
            }

            value = number * Suffixes[suffix];
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result *= 10;
        }

        return exponent < 0 ? 1 / result : result;
    }

    [GeneratedRegex(Formats.QuantityPattern)]
    private static partial Regex QuantityRegex();

    [GeneratedRegex(@"^(?<number>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))(?<suffix>.*)$")]
    private static partial Regex SplitRegex();
}
