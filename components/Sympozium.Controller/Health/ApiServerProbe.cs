using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Health;

/// <summary>Whether the API server answered recently: a GET /version every few seconds.</summary>
public sealed class ApiServerProbe(KubernetesConnection connection, TimeSpan? interval = null)
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(5);
    private volatile string _state = "not checked yet";
    private volatile bool _ok;

    public (bool Ok, string Detail) Current => (_ok, _state);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/version", UriKind.Relative));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                (_ok, _state) = response.IsSuccessStatusCode
                    ? (true, $"{connection.BaseUri} answers")
                    : (false, $"{connection.BaseUri} answered {(int)response.StatusCode} to GET /version");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                (_ok, _state) = (false, $"{connection.BaseUri} unreachable: {e.Message}");
            }

            try
            {
                await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
