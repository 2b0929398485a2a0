using Sympozium.Kubernetes.Client;
using Sympozium.Webhook;

// The admission webhook (docs/design/admission.md). Configuration is the environment: in a pod the
// service account, elsewhere $KUBECONFIG or ~/.kube/config.
WebhookOptions options;
try
{
    options = WebhookOptions.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync("webhook: " + e.Message);
    return 2;
}

using var connection = KubernetesConnection.FromEnvironment();
await using var app = await WebhookHost.BuildAsync(options, connection);
await app.RunAsync();
return 0;
