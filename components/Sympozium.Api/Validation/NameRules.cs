using System.Text.RegularExpressions;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Validation;

/// <summary>Kubernetes object-name rules (RFC 1123 labels and subdomains).</summary>
public static partial class NameRules
{
    public const int MaxLabelLength = 63;
    public const int MaxSubdomainLength = 253;

    /// <summary>Null when <paramref name="name"/> is a valid DNS-1123 label, else the reason.</summary>
    public static string? CheckLabel(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > MaxLabelLength)
        {
            return $"\"{name}\" is {name.Length} characters long; at most {MaxLabelLength} are allowed";
        }

        return LabelRegex().IsMatch(name)
            ? null
            : $"\"{name}\" is not a valid name: use lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. my-name)";
    }

    /// <summary>Null when <paramref name="name"/> is a valid DNS-1123 subdomain, else the reason.</summary>
    public static string? CheckSubdomain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > MaxSubdomainLength)
        {
            return $"\"{name}\" is {name.Length} characters long; at most {MaxSubdomainLength} are allowed";
        }

        return SubdomainRegex().IsMatch(name)
            ? null
            : $"\"{name}\" is not a valid name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. my-name)";
    }

    [GeneratedRegex(Formats.Dns1123LabelPattern)]
    private static partial Regex LabelRegex();

    [GeneratedRegex(Formats.Dns1123SubdomainPattern)]
    private static partial Regex SubdomainRegex();
}
