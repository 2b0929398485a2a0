namespace Sympozium.Hosting;

/// <summary>The answer to one probe request.</summary>
/// <param name="Status">HTTP status: 200 healthy or ready, 503 not, 404 unknown path.</param>
/// <param name="ContentType">Content type of <paramref name="Body"/>; null sends none.</param>
/// <param name="Body">The body, as the prober (and a person with curl) reads it.</param>
public sealed record ProbeAnswer(int Status, string? ContentType, string Body);
