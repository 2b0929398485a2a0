using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

// Status reporting and probes.
internal sealed partial class PodWorker
{
    /// <summary>Writes the pod's status through the status path (watchers see each transition).</summary>
    private void Publish()
    {
        lock (_gate)
        {
            if (_silent)
            {
                return;
            }

            var status = BuildStatus();
            try
            {
                var current = _kubelet.Store.TryGet("pods", Namespace, Name);
                if (current is null || ObjectMetadata.String(current, "uid") != Uid)
                {
                    return;
                }

                current["status"] = status;
                ObjectMetadata.Meta(current).Remove("resourceVersion");
                _kubelet.Store.Update("pods", current, UpdateMode.StatusOnly);
            }
            catch (Exception e) when (e is StoreException or ObjectDisposedException or InvalidOperationException)
            {
                // The pod went away meanwhile, or the store is stopping.
            }
        }
    }

    private JsonObject BuildStatus()
    {
        var now = DateTimeOffset.UtcNow;
        var regularInit = _init.Where(c => !c.IsSidecar).ToList();
        var initialized = _initialized || (_init.Count > 0 && regularInit.All(c => c.Kind == "terminated" && c.ExitCode == 0) && _init.Where(c => c.IsSidecar).All(c => c.Started));
        var sidecars = _init.Where(c => c.IsSidecar).ToList();
        var containersReady = _finalPhase is null && _main.All(c => c.Ready) && sidecars.All(c => c.Ready);
        var phase = _finalPhase ?? (initialized && _main.Any(c => c.Running || c.RestartCount > 0 || c.Kind == "terminated") ? "Running" : "Pending");
        var completedReason = _finalPhase is not null ? "PodCompleted" : null;
        JsonObject Condition(string type, bool value, string? reason)
        {
            var text = value ? "True" : "False";
            if (!_conditionTimes.TryGetValue(type, out var previous) || previous.Status != text)
            {
                previous = (now, text);
                _conditionTimes[type] = previous;
            }

            var condition = new JsonObject
            {
                ["type"] = type,
                ["status"] = text,
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = ContainerState.Time(previous.Time),
            };
            if (!value && reason is not null)
            {
                condition["reason"] = reason;
            }

            return condition;
        }

        var notReadyReason = completedReason ?? "ContainersNotReady";
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", true, null),
                Condition("Initialized", initialized || _init.Count == 0, "ContainersNotInitialized"),
                Condition("Ready", containersReady, notReadyReason),
                Condition("ContainersReady", containersReady, notReadyReason),
                Condition("PodScheduled", true, null)),
            ["hostIP"] = "127.0.0.1",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["podIP"] = PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp }),
            ["startTime"] = ContainerState.Time(_startTime),
            ["qosClass"] = "BestEffort",
            ["containerStatuses"] = new JsonArray([.. _main.Select(c => (JsonNode)c.ToJson())]),
        };
        if (_init.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray([.. _init.Select(c => (JsonNode)c.ToJson())]);
        }

        if (_finalPhase is not null && _reason is not null)
        {
            status["reason"] = _reason;
            status["message"] = _message;
        }

        return status;
    }

    /// <summary>Startup, then liveness and readiness probes of one container instance; returns a kill message when a probe killed it.</summary>
    private async Task<string?> ProbeAsync(ContainerState c, ContainerProcess process, IReadOnlyDictionary<string, string> env, string workingDirectory, CancellationToken cancellationToken)
    {
        try
        {
            if (c.Spec["startupProbe"] is JsonObject startup)
            {
                if (!await UntilAsync(startup, c, env, workingDirectory, success: true, cancellationToken).ConfigureAwait(false))
                {
                    return await KillAsync(process, $"Container {c.Name} failed startup probe, will be restarted").ConfigureAwait(false);
                }

                c.Started = true;
                c.Ready = c.Spec["readinessProbe"] is not JsonObject;
                Publish();
            }

            var readiness = c.Spec["readinessProbe"] is JsonObject r ? ReadinessAsync(r, c, env, workingDirectory, cancellationToken) : Task.CompletedTask;
            if (c.Spec["livenessProbe"] is JsonObject liveness
                && !await UntilAsync(liveness, c, env, workingDirectory, success: false, cancellationToken).ConfigureAwait(false))
            {
                return await KillAsync(process, $"Container {c.Name} failed liveness probe, will be restarted").ConfigureAwait(false);
            }

            await readiness.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    private async Task<string> KillAsync(ContainerProcess process, string message)
    {
        TimeSpan grace;
        lock (_gate)
        {
            grace = _grace;
        }

        await process.TerminateAsync(grace).ConfigureAwait(false);
        return message;
    }

    /// <summary>Probes until it reaches successThreshold (success: true) or failureThreshold (false); returns whether it succeeded.</summary>
    private async Task<bool> UntilAsync(JsonObject probe, ContainerState c, IReadOnlyDictionary<string, string> env, string workingDirectory, bool success, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(Int(probe, "initialDelaySeconds", 0)), cancellationToken).ConfigureAwait(false);
        var failures = 0;
        var successes = 0;
        while (true)
        {
            if (await CheckAsync(probe, c, env, workingDirectory, cancellationToken).ConfigureAwait(false))
            {
                failures = 0;
                if (success && ++successes >= Int(probe, "successThreshold", 1))
                {
                    return true;
                }
            }
            else
            {
                successes = 0;
                if (++failures >= Int(probe, "failureThreshold", 3))
                {
                    return false;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(Int(probe, "periodSeconds", 10)), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReadinessAsync(JsonObject probe, ContainerState c, IReadOnlyDictionary<string, string> env, string workingDirectory, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(Int(probe, "initialDelaySeconds", 0)), cancellationToken).ConfigureAwait(false);
        int failures = 0, successes = 0;
        while (true)
        {
            if (await CheckAsync(probe, c, env, workingDirectory, cancellationToken).ConfigureAwait(false))
            {
                failures = 0;
                if (++successes >= Int(probe, "successThreshold", 1) && !c.Ready && c.Running)
                {
                    c.Ready = true;
                    Publish();
                }
            }
            else
            {
                successes = 0;
                if (++failures >= Int(probe, "failureThreshold", 3) && c.Ready)
                {
                    c.Ready = false;
                    Publish();
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(Int(probe, "periodSeconds", 10)), cancellationToken).ConfigureAwait(false);
        }
    }

    private static int Int(JsonObject probe, string field, int fallback) =>
        probe[field] is JsonValue v && v.TryGetValue<int>(out var n) && n > 0 ? n : fallback;

    private async Task<bool> CheckAsync(JsonObject probe, ContainerState c, IReadOnlyDictionary<string, string> env, string workingDirectory, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(Int(probe, "timeoutSeconds", 1)));
        try
        {
            if (probe["httpGet"] is JsonObject http)
            {
                var scheme = (http["scheme"]?.ToString() ?? "HTTP").ToLowerInvariant();
                var host = http["host"]?.ToString() is { Length: > 0 } h ? h : PodIp;
                var uri = new Uri($"{scheme}://{host}:{Port(http["port"], c)}{http["path"]?.ToString() ?? "/"}");
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                foreach (var header in (http["httpHeaders"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    request.Headers.TryAddWithoutValidation(header["name"]?.ToString() ?? "", header["value"]?.ToString());
                }

                using var response = await _kubelet.ProbeClient.SendAsync(request, timeout.Token).ConfigureAwait(false);
                return (int)response.StatusCode is >= 200 and < 400;
            }

            if (probe["tcpSocket"] is JsonObject tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(tcp["host"]?.ToString() is { Length: > 0 } h ? h : PodIp, Port(tcp["port"], c), timeout.Token).ConfigureAwait(false);
                return true;
            }

            if (probe["exec"]?["command"] is JsonArray command && command.Count > 0)
            {
                var argv = command.Select(x => x?.ToString() ?? "").ToList();
                argv[0] = ResolveExecutable(argv[0], env.TryGetValue("PATH", out var path) ? path : "/usr/bin:/bin") ?? argv[0];
                using var process = ContainerProcess.Start(argv, env, workingDirectory, null, _kubelet.Tracker);
                try
                {
                    return await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false) == 0;
                }
                catch (OperationCanceledException)
                {
                    await process.TerminateAsync(TimeSpan.Zero).ConfigureAwait(false);
                    throw;
                }
            }

            return false; // grpc probes are not supported locally
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or ContainerStartException or UriFormatException)
        {
            Debug.WriteLine($"probe of {c.Name} failed: {e.Message}");
            return false;
        }
    }

    private static int Port(JsonNode? port, ContainerState c)
    {
        if (port is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        var name = port?.ToString();
        var named = (c.Spec["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => p["name"]?.ToString() == name);
        return named?["containerPort"]?.GetValue<int>() ?? (int.TryParse(name, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0);
    }
}
