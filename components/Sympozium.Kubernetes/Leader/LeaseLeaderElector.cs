using k8s.Models;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Internal;

namespace Sympozium.Kubernetes.Leader;

/// <summary>Settings of a <see cref="LeaseLeaderElector"/> (client-go's defaults).</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>Lease name (upstream: sympozium-controller-leader).</summary>
    public string LeaseName { get; init; } = "sympozium-controller-leader";

    public string Namespace { get; init; } = "sympozium-system";

    /// <summary>This process's identity (default: host name + random suffix).</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(63, Environment.MachineName.Length + 33)];

    /// <summary>How long a lease is valid without renewal (default 15 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A leader that cannot renew for this long stops leading (default 10 s).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts (default 2 s).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Leader election on a coordination.k8s.io Lease: acquire when free or expired, renew while
/// leading, release on shutdown. While not leading, <see cref="RunAsync"/> runs nothing, so a
/// non-leader never writes. Conflicting updates (409) mean another candidate won the race.
/// </summary>
public sealed class LeaseLeaderElector(ResourceClient<V1Lease> leases, LeaderElectionOptions options, ILogger logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Identity => options.Identity;

    /// <summary>True while this process holds the lease.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>
    /// Campaigns until cancelled. Each time it becomes the leader it runs <paramref name="lead"/>
    /// with a token that is cancelled when leadership is lost or on shutdown; on shutdown it
    /// releases the lease so another candidate takes over at once.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
                {
                    await Task.Delay(options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                IsLeader = true;
                Log.BecameLeader(logger, options.LeaseName, options.Identity);
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
                var reason = await RenewWhileLeadingAsync(work, cancellationToken).ConfigureAwait(false);
                IsLeader = false;
                await leading.CancelAsync().ConfigureAwait(false);
                try
                {
                    await work.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The leader's work stops with its leadership.
                }

                if (reason is not null)
                {
                    Log.LostLeadership(logger, options.LeaseName, options.Identity, reason);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            IsLeader = false;
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <returns>Why leadership ended, or null when shutting down.</returns>
    private async Task<string?> RenewWhileLeadingAsync(Task work, CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = Task.Delay(options.RetryPeriod, _time, cancellationToken);
            if (await Task.WhenAny(delay, work).ConfigureAwait(false) == work)
            {
                return work.IsFaulted ? "the leader's work failed: " + work.Exception?.GetBaseException().Message : "the leader's work ended";
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                lastRenew = _time.GetUtcNow();
            }
            else if (_time.GetUtcNow() - lastRenew >= options.RenewDeadline)
            {
                return $"could not renew within {options.RenewDeadline.TotalSeconds:0.#} s";
            }
        }

        return null;
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        try
        {
            var lease = await leases.GetAsync(options.Namespace, options.LeaseName, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                await leases.CreateAsync(options.Namespace, new V1Lease
                {
                    ApiVersion = "coordination.k8s.io/v1",
                    Kind = "Lease",
                    Metadata = new V1ObjectMeta { Name = options.LeaseName, NamespaceProperty = options.Namespace },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = options.Identity,
                        LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                }, cancellationToken).ConfigureAwait(false);
                return true;
            }

            lease.Spec ??= new V1LeaseSpec();
            var holder = lease.Spec.HolderIdentity;
            var expires = (lease.Spec.RenewTime ?? lease.Spec.AcquireTime ?? DateTime.MinValue) + TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? 0);
            var ours = holder == options.Identity;
            if (!ours && !string.IsNullOrEmpty(holder) && expires > now)
            {
                return false;
            }

            if (!ours)
            {
                lease.Spec.AcquireTime = now;
                lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
                lease.Spec.HolderIdentity = options.Identity;
            }

            lease.Spec.RenewTime = now;
            lease.Spec.LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds;
            // Replace carries the resourceVersion we read: a concurrent writer makes this a 409.
            await leases.ReplaceAsync(options.Namespace, options.LeaseName, lease, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
        {
            Log.LeaseAttemptFailed(logger, options.LeaseName, options.Identity, e.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await leases.GetAsync(options.Namespace, options.LeaseName, timeout.Token).ConfigureAwait(false);
            if (lease?.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }

            // As client-go: an empty holder with a 1 s duration lets the next candidate in at once.
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
            await leases.ReplaceAsync(options.Namespace, options.LeaseName, lease, timeout.Token).ConfigureAwait(false);
            Log.ReleasedLease(logger, options.LeaseName, options.Identity);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            Log.LeaseAttemptFailed(logger, options.LeaseName, options.Identity, "release: " + e.Message);
        }
    }
}
