namespace Sympozium.Api.Schema;

/// <summary>String syntaxes the schema and the validator know by name.</summary>
public static class Formats
{
    /// <summary>Go duration syntax (<c>10m0s</c>, <c>1h30m</c>, <c>90s</c>).</summary>
    public const string GoDuration = "go-duration";

    /// <summary>A Kubernetes resource quantity (<c>500m</c>, <c>2</c>, <c>4Gi</c>).</summary>
    public const string Quantity = "quantity";

    /// <summary>A five-field cron expression (minute hour day-of-month month day-of-week).</summary>
    public const string Cron = "cron";

    /// <summary>An RFC 1123 DNS label (object names of Services, Secrets referenced by name).</summary>
    public const string Dns1123Label = "dns1123-label";

    /// <summary>An RFC 1123 DNS subdomain (most object names).</summary>
    public const string Dns1123Subdomain = "dns1123-subdomain";

    /// <summary>An absolute http or https URL.</summary>
    public const string HttpUrl = "http-url";

    /// <summary>Go duration regex, as the CRD carries it.</summary>
    public const string GoDurationPattern = @"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$";

    /// <summary>Kubernetes quantity regex (the one the API server itself uses for int-or-string quantities).</summary>
    public const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>Five whitespace-separated fields; the validator checks each field's range.</summary>
    public const string CronPattern = @"^\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s*$";

    /// <summary>RFC 1123 label.</summary>
    public const string Dns1123LabelPattern = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    /// <summary>RFC 1123 subdomain.</summary>
    public const string Dns1123SubdomainPattern = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>An http(s) URL.</summary>
    public const string HttpUrlPattern = @"^https?://[^\s/$.?#][^\s]*$";
}
