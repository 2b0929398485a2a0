using System.Net;
using System.Text;

namespace Sympozium.Hosting;

/// <summary>
/// A small HTTP server on <see cref="HttpListener"/> (the managed implementation on Linux) for
/// the few routes a pod serves besides its main work: health probes (<see cref="HealthEndpoint"/>)
/// and platform webhooks such as Slack's Events API. Kestrel would add about 9 MB to every
/// binary for a few routes (13.5 MB for a slim minimal API against 4.6 MB for the generic host).
/// </summary>
public sealed class HttpEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, CancellationToken, Task> _handler;
    private readonly Action<HttpListenerException>? _acceptFailed;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <param name="bindAddress">Address to bind; null binds every address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="handler">Handles one request and writes its response (the endpoint closes it).</param>
    public HttpEndpoint(IPAddress? bindAddress, int port, Func<HttpListenerContext, CancellationToken, Task> handler)
        : this(Host(bindAddress), port, handler)
    {
    }

    /// <param name="host">Host part of the listener prefix: an address, or <c>+</c> for every address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="handler">Handles one request and writes its response (the endpoint closes it).</param>
    /// <param name="acceptFailed">
    /// When set, a failed accept while still listening is reported here and serving goes on;
    /// when null (default), the endpoint stops accepting.
    /// </param>
    public HttpEndpoint(string host, int port, Func<HttpListenerContext, CancellationToken, Task> handler, Action<HttpListenerException>? acceptFailed = null)
    {
        _handler = handler;
        _acceptFailed = acceptFailed;
        Prefix = $"http://{host}:{port}/";
        _listener.Prefixes.Add(Prefix);
    }

    /// <summary>The host part of a listener prefix for an address: <c>+</c> (every address), <c>[v6]</c> or the IPv4 address.</summary>
    public static string Host(IPAddress? bindAddress) =>
        bindAddress is null ? "+" : bindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bindAddress}]" : bindAddress.ToString();

    /// <summary>The listener prefix, e.g. <c>http://+:8080/</c>.</summary>
    public string Prefix { get; }

    /// <summary>Starts listening; throws <see cref="HttpListenerException"/> when the port is taken.</summary>
    public void Start()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _listener.Close();
        _stop.Dispose();
    }

    /// <summary>Writes a complete response (no Content-Type header when <paramref name="contentType"/> is null).</summary>
    public static async Task RespondAsync(HttpListenerResponse response, int status, string? contentType, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (HttpListenerException e) when (_acceptFailed is not null && _listener.IsListening && !_stop.IsCancellationRequested)
            {
                _acceptFailed(e);
                continue;
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Stopped.
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            await _handler(context, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!_stop.IsCancellationRequested)
        {
            // The handler's own failure: answer 500 if nothing was sent yet.
            try
            {
                context.Response.StatusCode = 500;
            }
            catch (InvalidOperationException)
            {
            }
        }
        catch (Exception)
        {
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }
}
