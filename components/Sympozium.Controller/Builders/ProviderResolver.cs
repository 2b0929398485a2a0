using Sympozium.Api.Kinds;

namespace Sympozium.Controller.Builders;

/// <summary>Which provider and credentials a run creator uses for an instance
/// (docs/design/instances.md#provider-resolution).</summary>
public static class ProviderResolver
{
    /// <summary>Provider names recognised inside Secret names, in the order they are checked.</summary>
    private static readonly string[] SecretNameHints = ["anthropic", "azure-openai", "bedrock", "lm-studio", "ollama", "openai"];

    /// <summary>
    /// The first explicit <c>authRefs[].provider</c>; else a provider named inside a Secret name;
    /// else guessed from <c>agents.default.baseURL</c> (Ollama's and LM Studio's ports); else openai.
    /// </summary>
    public static string Provider(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var refs = instance.Spec.AuthRefs ?? [];
        if (refs.FirstOrDefault(r => !string.IsNullOrWhiteSpace(r.Provider)) is { } explicitRef)
        {
            return explicitRef.Provider!.Trim();
        }

        foreach (var secretRef in refs)
        {
            if (SecretNameHints.FirstOrDefault(h => secretRef.Secret.Contains(h, StringComparison.OrdinalIgnoreCase)) is { } hint)
            {
                return hint;
            }
        }

        var baseUrl = instance.Spec.Agents.Default.BaseURL;
        if (!string.IsNullOrEmpty(baseUrl))
        {
            if (baseUrl.Contains("ollama", StringComparison.OrdinalIgnoreCase) || baseUrl.Contains(":11434", StringComparison.Ordinal))
            {
                return "ollama";
            }

            return baseUrl.Contains("lm-studio", StringComparison.OrdinalIgnoreCase) || baseUrl.Contains(":1234", StringComparison.Ordinal) ? "lm-studio" : "custom";
        }

        return "openai";
    }

    /// <summary>The first non-blank <c>authRefs[].secret</c>, or "" (the run's model.authSecretRef).</summary>
    public static string AuthSecret(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return (instance.Spec.AuthRefs ?? []).Select(r => r.Secret.Trim()).FirstOrDefault(s => s.Length > 0) ?? "";
    }
}
