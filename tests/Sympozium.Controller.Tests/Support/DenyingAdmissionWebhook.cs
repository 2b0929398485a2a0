using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sympozium.Controller.Tests.Support;

/// <summary>
/// An HTTPS admission webhook that denies every AgentRun created, with a policy's message and
/// 403 as our policy webhook answers, registered in the local cluster as a
/// ValidatingWebhookConfiguration. Stands in for a SympoziumPolicy that forbids the run.
/// </summary>
internal sealed class DenyingAdmissionWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _serving;
    private int _reviews;

    private DenyingAdmissionWebhook(WebApplication app, X509Certificate2 serving, string caBundle, string message)
    {
        _app = app;
        _serving = serving;
        CaBundle = caBundle;
        Message = message;
    }

    /// <summary>PEM of the CA that signed the serving certificate, base64 (what <c>caBundle</c> holds).</summary>
    public string CaBundle { get; }

    /// <summary>The denial's message.</summary>
    public string Message { get; }

    /// <summary>AdmissionReviews answered so far.</summary>
    public int Reviews => Volatile.Read(ref _reviews);

    public int Port { get; private set; }

    public static async Task<DenyingAdmissionWebhook> StartAsync(string message)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=denying-webhook-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [7, 7, 7, 7]);
        using var withKey = signed.CopyWithPrivateKey(key);
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
        var app = builder.Build();
        var webhook = new DenyingAdmissionWebhook(app, serving, Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.ExportCertificatePem())), message);
        app.Run(webhook.HandleAsync);
        await app.StartAsync();
        webhook.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return webhook;
    }

    /// <summary>The ValidatingWebhookConfiguration that sends every AgentRun CREATE here.</summary>
    public JsonObject Configuration(string name) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = "ValidatingWebhookConfiguration",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = name,
            ["clientConfig"] = new JsonObject { ["url"] = $"https://127.0.0.1:{Port}/validate", ["caBundle"] = CaBundle },
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray("sympozium.ai"),
                ["apiVersions"] = new JsonArray("v1alpha1"),
                ["resources"] = new JsonArray("agentruns"),
                ["operations"] = new JsonArray("CREATE"),
                ["scope"] = "Namespaced",
            }),
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["failurePolicy"] = "Fail",
        }),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _serving.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var review = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        Interlocked.Increment(ref _reviews);
        var response = new JsonObject
        {
            ["uid"] = review["request"]!["uid"]!.GetValue<string>(),
            ["allowed"] = false,
            ["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = Message },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }
}
