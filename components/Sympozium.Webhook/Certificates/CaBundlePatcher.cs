using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Internal;

namespace Sympozium.Webhook.Certificates;

/// <summary>
/// Keeps the CA of the serving certificate in <c>clientConfig.caBundle</c> of every webhook of
/// the validating and mutating configurations: at start, and again every
/// <see cref="WebhookOptions.CaBundleRecheck"/>, so a re-applied manifest (which carries no
/// caBundle) is repaired. With cert-manager the cainjector writes the same value.
/// </summary>
public sealed class CaBundlePatcher(KubernetesConnection connection, WebhookOptions options, ServingCertificate certificate, ILogger<CaBundlePatcher> logger, TimeProvider? time = null)
    : BackgroundService
{
    private static readonly ApiResource Validating = new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", Namespaced: false);
    private static readonly ApiResource Mutating = new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", Namespaced: false);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TaskCompletionSource _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the first attempt on both configurations (patched, current, or missing).</summary>
    public Task FirstPass => _firstPass.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(certificate.CaPem))
        {
            _firstPass.TrySetResult();
            return;
        }

        var bundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(certificate.CaPem));
        var targets = new List<ResourceClient<JsonObject>>();
        if (!string.IsNullOrEmpty(options.ValidatingConfiguration))
        {
            targets.Add(new(connection, Validating, ResourceSerializer.Json()));
        }

        if (!string.IsNullOrEmpty(options.MutatingConfiguration))
        {
            targets.Add(new(connection, Mutating, ResourceSerializer.Json()));
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var client in targets)
            {
                var name = client.Resource == Validating ? options.ValidatingConfiguration : options.MutatingConfiguration;
                try
                {
                    await PatchAsync(client, name, bundle, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
                {
                    Log.CaBundleNotPatched(logger, client.Resource.Kind, name, e.Message);
                }
            }

            _firstPass.TrySetResult();
            try
            {
                await Task.Delay(options.CaBundleRecheck, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sets the caBundle of every webhook that lacks it; a conflict is retried on the next pass.</summary>
    public async Task<bool> PatchAsync(ResourceClient<JsonObject> client, string name, string bundle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var configuration = await client.GetAsync(null, name, cancellationToken).ConfigureAwait(false);
        if (configuration?["webhooks"] is not JsonArray webhooks)
        {
            return false;
        }

        var changed = false;
        foreach (var webhook in webhooks.OfType<JsonObject>())
        {
            if (webhook["clientConfig"] is not JsonObject clientConfig)
            {
                clientConfig = new JsonObject();
                webhook["clientConfig"] = clientConfig;
            }

            if (clientConfig["caBundle"]?.GetValue<string>() != bundle)
            {
                clientConfig["caBundle"] = bundle;
                changed = true;
            }
        }

        if (changed)
        {
            await client.ReplaceAsync(null, name, configuration, cancellationToken).ConfigureAwait(false);
            Log.CaBundlePatched(logger, client.Resource.Kind, name);
        }

        return changed;
    }
}
