using System.Net;

namespace Sympozium.Hosting;

/// <summary>Serves <see cref="HealthProbes"/> over plain HTTP on its own port, for a Deployment's probes.</summary>
public sealed class HealthEndpoint : IAsyncDisposable
{
    private readonly HttpEndpoint _endpoint;

    /// <param name="bindAddress">Address to bind; null binds every address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="probes">What each path answers.</param>
    /// <param name="acceptFailed">See <see cref="HttpEndpoint"/>: when set, a failed accept is reported and serving goes on.</param>
    public HealthEndpoint(IPAddress? bindAddress, int port, HealthProbes probes, Action<HttpListenerException>? acceptFailed = null)
        : this(HttpEndpoint.Host(bindAddress), port, probes, acceptFailed)
    {
    }

    /// <param name="host">Host part of the listener prefix: an address, or <c>+</c> for every address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="probes">What each path answers.</param>
    /// <param name="acceptFailed">See <see cref="HttpEndpoint"/>: when set, a failed accept is reported and serving goes on.</param>
    public HealthEndpoint(string host, int port, HealthProbes probes, Action<HttpListenerException>? acceptFailed = null)
    {
        ArgumentNullException.ThrowIfNull(probes);
        _endpoint = new HttpEndpoint(host, port, (context, cancellationToken) =>
        {
            var answer = probes.Answer(context.Request.Url?.AbsolutePath ?? "/");
            return HttpEndpoint.RespondAsync(context.Response, answer.Status, answer.ContentType, answer.Body, cancellationToken);
        }, acceptFailed);
    }

    /// <summary>The listener prefix, e.g. <c>http://+:8080/</c>.</summary>
    public string Prefix => _endpoint.Prefix;

    /// <summary>Starts listening; throws <see cref="HttpListenerException"/> when the port is taken.</summary>
    public void Start() => _endpoint.Start();

    public ValueTask DisposeAsync() => _endpoint.DisposeAsync();
}
