using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Hosting;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Admission;
using Sympozium.Webhook.Certificates;
using Sympozium.Webhook.Cluster;
using Sympozium.Webhook.Internal;

namespace Sympozium.Webhook;

/// <summary>Builds the webhook application: certificate, Kestrel on HTTPS, informers, denial events and caBundle upkeep.</summary>
public static class WebhookHost
{
    public static async Task<WebApplication> BuildAsync(WebhookOptions options, KubernetesConnection connection, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(connection);
        // Content root beside the binary and no reload-on-change: with defaults the host watches
        // the working directory recursively for appsettings changes (an inotify walk of the whole
        // tree, half a second at start in a source checkout), for files a webhook never has.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSympoziumConsole();
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        using var startupLoggers = LoggerFactory.Create(l => logging?.Invoke(l));
        var startupLogger = startupLoggers.CreateLogger("Sympozium.Webhook");
        var (certificate, origin) = await CertificateSource.LoadAsync(options, connection, startupLogger, TimeProvider.System, cancellationToken).ConfigureAwait(false);

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.BindAddress, options.Port, listen => listen.UseHttps(certificate.Certificate)));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddSingleton<CachedClusterLookup>();
        builder.Services.AddSingleton<IClusterLookup>(s => s.GetRequiredService<CachedClusterLookup>());
        builder.Services.AddHostedService(s => s.GetRequiredService<CachedClusterLookup>());
        builder.Services.AddSingleton<EventDenialRecorder>();
        builder.Services.AddSingleton<IDenialRecorder>(s => s.GetRequiredService<EventDenialRecorder>());
        builder.Services.AddHostedService(s => s.GetRequiredService<EventDenialRecorder>());
        builder.Services.AddSingleton<CaBundlePatcher>();
        builder.Services.AddHostedService(s => s.GetRequiredService<CaBundlePatcher>());
        builder.Services.AddSingleton<AdmissionController>();

        var app = builder.Build();
        var lookup = app.Services.GetRequiredService<CachedClusterLookup>();
        AdmissionEndpoints.Map(app, () => lookup.HasSynced);
        app.Lifetime.ApplicationStarted.Register(() =>
            Log.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sympozium.Webhook"), options.BindAddress.ToString(), options.Port, origin.ToString()));
        app.Lifetime.ApplicationStopped.Register(certificate.Dispose);
        return app;
    }
}
