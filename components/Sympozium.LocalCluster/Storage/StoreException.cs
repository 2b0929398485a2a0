namespace Sympozium.LocalCluster.Storage;

/// <summary>Why a store operation was refused; the HTTP layer maps each to its Kubernetes Status.</summary>
public enum StoreErrorKind
{
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
    Gone,
    BadRequest,
}

/// <summary>A refused store operation (not found, already exists, stale resourceVersion, ...).</summary>
public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string resource, string name, string message, string? field = null)
        : base(message)
    {
        Kind = kind;
        Resource = resource;
        Name = name;
        Field = field;
    }

    public StoreErrorKind Kind { get; }

    /// <summary>The resource ("configmaps", "agentruns.sympozium.ai").</summary>
    public string Resource { get; }

    public string Name { get; }

    /// <summary>The offending field for <see cref="StoreErrorKind.Invalid"/>.</summary>
    public string? Field { get; }
}
