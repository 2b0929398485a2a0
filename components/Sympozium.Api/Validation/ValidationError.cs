namespace Sympozium.Api.Validation;

/// <summary>One problem with a manifest: the field path (<c>spec.model.provider</c>) and what is wrong.</summary>
public sealed record ValidationError(string Path, string Message, IReadOnlyList<string>? AllowedValues = null)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>Every problem found in one manifest, named by kind and namespace/name.</summary>
public sealed class ValidationResult
{
    public ValidationResult(string kind, string? ns, string? name, IReadOnlyList<ValidationError> errors)
    {
        Kind = kind;
        Namespace = ns;
        Name = name;
        Errors = errors;
    }

    public string Kind { get; }
    public string? Namespace { get; }
    public string? Name { get; }
    public IReadOnlyList<ValidationError> Errors { get; }
    public bool IsValid => Errors.Count == 0;

    /// <summary>How messages name the object: <c>AgentRun team-a/r1</c>.</summary>
    public string ObjectName =>
        $"{(Kind.Length > 0 ? Kind : "object")} {(string.IsNullOrEmpty(Namespace) ? "" : Namespace + "/")}{(string.IsNullOrEmpty(Name) ? "(unnamed)" : Name)}";

    /// <summary>One line per error: <c>AgentRun team-a/r1: spec.mode: "x" is not one of task, server</c>.</summary>
    public IEnumerable<string> Messages => Errors.Select(e => $"{ObjectName}: {e}");

    public override string ToString() => IsValid ? $"{ObjectName}: valid" : string.Join('\n', Messages);
}
