namespace Sympozium.Kubernetes;

/// <summary>
/// Names one Kubernetes object: namespace and name, the key a reconciler is woken with
/// (controller-runtime's <c>client.ObjectKey</c>). Cluster-scoped objects have no namespace.
/// Prints as <c>namespace/name</c> (or <c>name</c>), the same form as client-go's cache keys.
/// </summary>
public readonly record struct ObjectKey
{
    public ObjectKey(string? @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        Name = name;
    }

    /// <summary>The namespace, or null for a cluster-scoped object.</summary>
    public string? Namespace { get; }

    public string Name { get; }

    /// <summary>Parses <c>namespace/name</c> or <c>name</c>.</summary>
    /// <exception cref="FormatException">The text is empty, or has more than one '/' or an empty part.</exception>
    public static ObjectKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return text.Length > 0 ? new ObjectKey(null, text) : throw Invalid(text);
        }

        var ns = text[..slash];
        var name = text[(slash + 1)..];
        if (ns.Length == 0 || name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid(text);
        }

        return new ObjectKey(ns, name);
    }

    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";

    private static FormatException Invalid(string text) =>
        new($"'{text}' is not an object key: expected 'namespace/name' or 'name'");
}
