using k8s.Models;
using Sympozium.Controller.Builders;
using Sympozium.EventBus.Credentials;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// Keeps a NATS credentials Secret (<see cref="BusCredentialsBuilder"/>) current: minted once,
/// left alone while it holds credentials of the issuer's signing key, re-minted after the keys
/// changed (a re-install). Credentials are minted only when a Secret is written.
/// </summary>
internal static class BusCredentialsSecret
{
    public static async Task EnsureAsync(ResourceClient<V1Secret> secrets, string ns, string name, NatsCredentialIssuer issuer, Func<V1Secret> mint, CancellationToken cancellationToken)
    {
        var existing = await secrets.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && BusCredentialsBuilder.IsCurrent(existing, issuer))
        {
            return;
        }

        var secret = mint();
        if (existing is null)
        {
            await CreateIfAbsent.CreateAsync(secrets, ns, secret, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            secret.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await secrets.ReplaceAsync(ns, name, secret, cancellationToken).ConfigureAwait(false);
        }
    }
}
