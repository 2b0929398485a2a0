using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Health;

/// <summary>One readiness input: a name, whether it is fine, and why not.</summary>
public sealed record HealthCheck(string Name, Func<(bool Ok, string Detail)> Probe);

/// <summary>
/// <c>/healthz</c> (the process serves) and <c>/readyz</c> (every check passes: caches synced, API
/// server reachable, event bus connected when one is configured) over plain HTTP, for the
/// Deployment's probes. A failing readiness answer is 503 and names each failing check.
/// </summary>
public sealed partial class HealthServer(string host, int port, IReadOnlyList<HealthCheck> checks, ILogger logger) : IDisposable
{
    private readonly HttpListener _listener = new();

    /// <summary>Binds the port; a port that cannot be bound is an error at start, never a silent missing probe.</summary>
    public void Start()
    {
        _listener.Prefixes.Add($"http://{host}:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new InvalidOperationException($"health probes: cannot listen on {host}:{port} (HEALTH_PORT, HEALTH_BIND_ADDRESS): {e.Message}", e);
        }

        Log.Listening(logger, $"{host}:{port}");
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(_listener.Stop);
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException e)
            {
                Log.ListenerError(logger, e.Message);
                continue;
            }

            Answer(context);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath ?? "/";
        var (status, body) = path switch
        {
            "/healthz" or "/livez" => (200, "ok\n"),
            "/readyz" => Readiness(),
            _ => (404, "not found: try /healthz or /readyz\n"),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    /// <summary>200 when every check passes; otherwise 503 listing each check as <c>[+]</c>/<c>[-]</c> with its detail.</summary>
    public (int Status, string Body) Readiness()
    {
        var text = new StringBuilder();
        var ready = true;
        foreach (var check in checks)
        {
            var (ok, detail) = check.Probe();
            ready &= ok;
            text.Append(ok ? "[+] " : "[-] ").Append(check.Name).Append(": ").Append(detail).Append('\n');
        }

        text.Append(ready ? "ready\n" : "not ready\n");
        return (ready ? 200 : 503, text.ToString());
    }

    public void Dispose() => ((IDisposable)_listener).Dispose();

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Information, "Health probes on {Address} (/healthz, /readyz)")]
        public static partial void Listening(ILogger logger, string address);

        [LoggerMessage(4102, LogLevel.Warning, "Health probe listener: {Reason}")]
        public static partial void ListenerError(ILogger logger, string reason);
    }
}

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
