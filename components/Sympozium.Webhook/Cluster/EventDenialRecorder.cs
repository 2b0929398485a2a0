using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Internal;

namespace Sympozium.Webhook.Cluster;

/// <summary>
/// Writes each denial as a Warning Event on the SympoziumPolicy (reason <see cref="Reason"/>, the
/// denied object as <c>related</c>), off the admission path: the policy controller turns them
/// into <c>status.recentDenials</c>, and <c>kubectl describe sympoziumpolicy</c> shows them.
/// A full queue drops the oldest record rather than slow admission down.
/// </summary>
public sealed class EventDenialRecorder(KubernetesConnection connection, ILogger<EventDenialRecorder> logger, TimeProvider? time = null)
    : BackgroundService, IDenialRecorder
{
    /// <summary>The Event reason the policy controller looks for.</summary>
    public const string Reason = "AdmissionDenied";

    public const string Component = "sympozium-webhook";

    private readonly Channel<Denial> _queue = Channel.CreateBounded<Denial>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ResourceClient<Corev1Event> _events = new(connection, ApiResource.Events, ResourceSerializer.FromKubernetesClient<Corev1Event>());
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public void Record(Denial denial) => _queue.Writer.TryWrite(denial);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var denial in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await _events.CreateAsync(denial.Policy.Metadata.Namespace, ToEvent(denial, _time.GetUtcNow().UtcDateTime), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
            {
                Log.DenialNotRecorded(logger, denial.Kind, denial.Name, e.Message);
            }
        }
    }

    public static Corev1Event ToEvent(Denial denial, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(denial);
        var policy = denial.Policy;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { GenerateName = policy.Metadata.Name + ".", NamespaceProperty = policy.Metadata.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = policy.ApiVersion,
                Kind = policy.Kind,
                Name = policy.Metadata.Name,
                NamespaceProperty = policy.Metadata.Namespace,
                Uid = policy.Metadata.Uid,
            },
            Related = new V1ObjectReference
            {
                ApiVersion = Api.ApiGroup.ApiVersion,
                Kind = denial.Kind,
                Name = denial.Name,
                NamespaceProperty = denial.Namespace,
            },
            Reason = Reason,
            Type = "Warning",
            Message = $"{denial.Kind} {denial.Namespace}/{denial.Name}: {denial.Message}",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
    }
}
