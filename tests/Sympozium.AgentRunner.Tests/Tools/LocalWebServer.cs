using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>One request as the server saw it.</summary>
internal sealed record SeenRequest(string Method, string PathAndQuery, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>A real Kestrel server on 127.0.0.1 for the HTTP tools; every request is recorded.</summary>
internal sealed class LocalWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalWebServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    public int Port => new Uri(BaseUrl).Port;

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Starts on <paramref name="port"/> (0: any free port) with the routes <paramref name="map"/> adds.</summary>
    public static async Task<LocalWebServer> StartAsync(Action<WebApplication> map, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        LocalWebServer? server = null;
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            context.Request.Body.Position = 0;
            server!.Requests.Enqueue(new SeenRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                body,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            await next(context);
        });
        map(app);
        await app.StartAsync();
        server = new LocalWebServer(app, app.Urls.First().TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
