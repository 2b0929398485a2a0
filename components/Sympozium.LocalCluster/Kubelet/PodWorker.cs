using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// Runs one bound pod: volumes, init containers in order (native sidecars kept running),
/// regular containers in parallel with the pod's restartPolicy and back-off, probes,
/// activeDeadlineSeconds, and graceful termination; reports every transition through the pods/status path.
/// </summary>
internal sealed partial class PodWorker : IDisposable
{
    private readonly Kubelet _kubelet;
    private readonly JsonObject _pod;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _sidecarStop;
    private readonly List<ContainerState> _init;
    private readonly List<ContainerState> _main;
    private readonly Dictionary<string, (DateTimeOffset Time, string Status)> _conditionTimes = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _startTime = DateTimeOffset.UtcNow;
    private TimeSpan _grace;
    private bool _initialized;
    private string? _finalPhase;
    private string? _reason;
    private string? _message;
    private bool _silent;
    private string? _serviceAccountDirectory;

    public PodWorker(Kubelet kubelet, JsonObject pod, string podIp)
    {
        _kubelet = kubelet;
        _pod = pod;
        PodIp = podIp;
        Uid = ObjectMetadata.String(pod, "uid") ?? "";
        Namespace = ObjectMetadata.Namespace(pod) ?? "default";
        Name = ObjectMetadata.Name(pod);
        Directory = ContainerLogs.PodDirectory(kubelet.Options.Directory, Namespace, Name, Uid);
        _init = (pod["spec"]?["initContainers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new ContainerState(c, true)).ToList();
        _main = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new ContainerState(c, false)).ToList();
        foreach (var c in _init)
        {
            c.Waiting("PodInitializing");
        }

        if (_init.Count > 0)
        {
            foreach (var c in _main)
            {
                c.Waiting("PodInitializing");
            }
        }

        _sidecarStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _grace = GracePeriod(pod["spec"]?["terminationGracePeriodSeconds"]);
        RestartPolicy = pod["spec"]?["restartPolicy"]?.ToString() ?? "Always";
    }

    public string Uid { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string PodIp { get; }

    public string Directory { get; }

    public string RestartPolicy { get; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Terminates every container: SIGTERM, <paramref name="grace"/>, SIGKILL. <paramref name="silent"/>: the pod is gone (or the kubelet stops), report nothing more.</summary>
    public Task StopAsync(TimeSpan grace, bool silent)
    {
        lock (_gate)
        {
            _grace = grace < _grace ? grace : _grace;
            _silent |= silent;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped and disposed: a pod deleted just before the kubelet stops is removed
            // (stop awaited, then Dispose) while the kubelet's stop still holds it in its snapshot.
        }

        return Completion;
    }

    public void Dispose()
    {
        _sidecarStop.Dispose();
        _stop.Dispose();
    }

    internal TimeSpan GracePeriod(JsonNode? seconds)
    {
        var value = seconds is JsonValue v && v.TryGetValue<long>(out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(30);
        return value > _kubelet.Options.MaxGracePeriod ? _kubelet.Options.MaxGracePeriod : value;
    }

    private async Task RunAsync()
    {
        try
        {
            await RunPodAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a kubelet bug must not take the kubelet down; the pod reports it
        catch (Exception e)
#pragma warning restore CA1031
        {
            Finish("Failed", "KubeletError", $"the local kubelet failed to run the pod: {e.Message}");
        }
        finally
        {
            // Whatever is still running (a stop in the middle of a start) goes now.
            await _sidecarStop.CancelAsync().ConfigureAwait(false);
            if (_stop.IsCancellationRequested && _finalPhase is null && !_silent)
            {
                var succeeded = _reason is null && _main.Count > 0 && _main.All(c => c.Kind == "terminated" && c.ExitCode == 0);
                Finish(succeeded ? "Succeeded" : "Failed", _reason, _message);
            }
        }
    }

    private async Task RunPodAsync()
    {
        Publish();
        var unknown = _init.Concat(_main).Where(c => _kubelet.Images.Resolve(c.Spec["image"]?.ToString() ?? "") is null).ToList();
        if (unknown.Count > 0)
        {
            foreach (var c in unknown)
            {
                c.Waiting("ErrImagePull", _kubelet.Images.NotFoundMessage(c.Spec["image"]?.ToString() ?? ""));
            }

            if (RestartPolicy == "Never")
            {
                Finish("Failed", null, null);
                return;
            }

            Publish();
            await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
            return;
        }

        if (!await PullImagesAsync().ConfigureAwait(false))
        {
            Finish("Failed", null, null);
            return;
        }

        var volumes = await RetryConfigAsync(MaterializeVolumes, _init.Concat(_main).ToList()).ConfigureAwait(false);
        if (_pod["spec"]?["activeDeadlineSeconds"] is JsonValue deadline && deadline.TryGetValue<long>(out var seconds))
        {
            _ = DeadlineAsync(TimeSpan.FromSeconds(seconds));
        }

        var sidecars = new List<Task>();
        foreach (var c in _init)
        {
            if (c.IsSidecar)
            {
                sidecars.Add(LoopAsync(c, volumes, _ => true, _sidecarStop.Token));
                await c.WhenStarted.WaitAsync(_stop.Token).ConfigureAwait(false);

                continue;
            }

            while (true)
            {
                var exit = await RunOnceAsync(c, volumes, _stop.Token).ConfigureAwait(false);
                if (exit == 0)
                {
                    break;
                }

                if (RestartPolicy == "Never")
                {
                    await StopSidecarsAsync(sidecars).ConfigureAwait(false);
                    Finish("Failed", null, null);
                    return;
                }

                await BackOffAsync(c, _stop.Token).ConfigureAwait(false);
            }
        }

        _initialized = true;
        foreach (var c in _main)
        {
            c.Waiting("ContainerCreating");
        }

        Publish();
        Func<int, bool> restart = RestartPolicy switch
        {
            "Never" => _ => false,
            "OnFailure" => exit => exit != 0,
            _ => _ => true,
        };
        await Task.WhenAll(_main.Select(c => LoopAsync(c, volumes, restart, _stop.Token))).ConfigureAwait(false);
        await StopSidecarsAsync(sidecars).ConfigureAwait(false);
        if (_stop.IsCancellationRequested)
        {
            return; // the finally block reports
        }

        Finish(_main.All(c => c.ExitCode == 0) ? "Succeeded" : "Failed", null, null);
    }

    /// <summary>The pod's volumes, then its ServiceAccount credentials (which may fill projected volumes).</summary>
    private Dictionary<string, string> MaterializeVolumes()
    {
        if (_kubelet.Options.ApiServer is not null)
        {
            _ = ServiceAccountCredentials.Account(_kubelet.Store, _pod); // a missing account is reported before any missing volume source
        }

        var volumes = PodVolumes.Materialize(_kubelet.Store, _pod, Directory, _kubelet.Options.Directory, PodIp);
        _serviceAccountDirectory = _kubelet.Options.ApiServer is { } access
            ? ServiceAccountCredentials.Materialize(access, _kubelet.Store, _pod, Directory, volumes)
            : null;
        return volumes;
    }

    private async Task StopSidecarsAsync(List<Task> sidecars)
    {
        await _sidecarStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(sidecars).ConfigureAwait(false);
    }

    private async Task DeadlineAsync(TimeSpan deadline)
    {
        try
        {
            await Task.Delay(deadline, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (_gate)
        {
            if (_finalPhase is not null)
            {
                return;
            }

            _reason = "DeadlineExceeded";
            _message = "Pod was active on the node longer than the specified deadline";
        }

        await _stop.CancelAsync().ConfigureAwait(false); // the run ends and reports Failed with the reason
    }

    /// <summary>Runs a container again and again while <paramref name="restart"/> says so, with back-off.</summary>
    private async Task LoopAsync(ContainerState c, IReadOnlyDictionary<string, string> volumes, Func<int, bool> restart, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var exit = await RunOnceAsync(c, volumes, stop).ConfigureAwait(false);
                if (stop.IsCancellationRequested || !restart(exit))
                {
                    return;
                }

                await BackOffAsync(c, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Pulls the images whose entrypoint does not exist yet (<see cref="ImagePuller"/>), the
    /// containers waiting in ContainerCreating meanwhile. A failed pull is ErrImagePull: the pod
    /// fails under restartPolicy Never, otherwise the pull is retried with back-off
    /// (ImagePullBackOff). Returns false when the pod failed.
    /// </summary>
    private async Task<bool> PullImagesAsync()
    {
        var containers = _init.Concat(_main).ToList();
        for (var attempt = 0; ; attempt++)
        {
            var pending = containers.Select(c => (Container: c, Entry: _kubelet.Images.Resolve(c.Spec["image"]?.ToString() ?? "")!)).Where(p => p.Entry.NeedsPull).ToList();
            if (pending.Count == 0)
            {
                return true;
            }

            foreach (var (c, entry) in pending)
            {
                c.Waiting("ContainerCreating", $"pulling image \"{c.Spec["image"]}\": {string.Join(' ', entry.Pull!)}");
            }

            Publish();
            string? failure = null;
            foreach (var entry in pending.Select(p => p.Entry).Distinct())
            {
                failure ??= await _kubelet.Puller.EnsureAsync(entry, _stop.Token).ConfigureAwait(false);
            }

            if (failure is null)
            {
                continue;
            }

            foreach (var (c, _) in pending)
            {
                c.Waiting("ErrImagePull", failure);
            }

            if (RestartPolicy == "Never")
            {
                return false;
            }

            var delay = TimeSpan.FromSeconds(Math.Min(_kubelet.Options.MaxBackOff.TotalSeconds, Math.Pow(2, attempt)) * _kubelet.Options.BackOffScale);
            Publish();
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            foreach (var (c, _) in pending)
            {
                c.Waiting("ImagePullBackOff", $"Back-off pulling image \"{c.Spec["image"]}\": {failure}");
            }

            Publish();
        }
    }

    private async Task BackOffAsync(ContainerState c, CancellationToken stop)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(_kubelet.Options.MaxBackOff.TotalSeconds, Math.Pow(2, c.RestartCount)) * _kubelet.Options.BackOffScale);
        c.Restarting("CrashLoopBackOff", $"back-off {delay.TotalSeconds:0.#}s restarting failed container={c.Name} pod={Name}_{Namespace}({Uid})");
        Publish();
        await Task.Delay(delay, stop).ConfigureAwait(false);
    }

    private async Task<T> RetryConfigAsync<T>(Func<T> build, IReadOnlyList<ContainerState> containers)
    {
        while (true)
        {
            try
            {
                return build();
            }
            catch (ContainerConfigException e)
            {
                foreach (var c in containers)
                {
                    c.Waiting("CreateContainerConfigError", e.Message);
                }

                Publish();
            }

            await Task.Delay(1000, _stop.Token).ConfigureAwait(false);
        }
    }

    /// <summary>One instance of a container: start, probe, wait for exit or stop; returns the exit code.</summary>
    private async Task<int> RunOnceAsync(ContainerState c, IReadOnlyDictionary<string, string> volumes, CancellationToken stop)
    {
        stop.ThrowIfCancellationRequested();
        var (argv, env, workingDirectory) = await RetryConfigAsync(() => Prepare(c, volumes), [c]).ConfigureAwait(false);
        var logFile = ContainerLogs.LogFile(Directory, c.Name, c.RestartCount);
        var terminationMessage = TerminationMessages.Prepare(c.Spec, env[Sympozium.Api.WellKnown.IpcPaths.RootVariable]);
        using var log = new ContainerLogWriter(logFile);
        ContainerProcess process;
        try
        {
            process = ContainerProcess.Start(argv, env, workingDirectory, log, _kubelet.Tracker);
        }
        catch (ContainerStartException e)
        {
            log.Complete();
            c.StartedAt = DateTimeOffset.UtcNow;
            c.Terminate(128, "StartError", $"failed to create containerd task: failed to create shim task: OCI runtime create failed: {e.Message}: unknown");
            Publish();
            return 128;
        }

        using (process)
        {
            c.Run(process.Pid);
            var hasStartup = c.Spec["startupProbe"] is JsonObject;
            c.Started = !hasStartup;
            c.Ready = !hasStartup && c.Spec["readinessProbe"] is not JsonObject;
            Publish();
            using var probes = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var probing = ProbeAsync(c, process, env, workingDirectory, probes.Token);
            string? killReason = null;
            try
            {
                await process.Exited.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                TimeSpan grace;
                lock (_gate)
                {
                    grace = _grace;
                }

                await process.TerminateAsync(grace).ConfigureAwait(false);
            }

            await probes.CancelAsync().ConfigureAwait(false);
            killReason = await probing.ConfigureAwait(false);
            var exit = await process.Exited.ConfigureAwait(false);
            log.Complete();
            c.Terminate(exit, exit == 0 ? "Completed" : "Error", TerminationMessages.Read(c.Spec, terminationMessage, exit, logFile, _init.Count + _main.Count) ?? killReason);
            Publish();
            return exit;
        }
    }

    private (List<string> Argv, Dictionary<string, string> Env, string WorkingDirectory) Prepare(ContainerState c, IReadOnlyDictionary<string, string> volumes)
    {
        var image = _kubelet.Images.Resolve(c.Spec["image"]?.ToString() ?? "")!;
        var root = PodVolumes.ContainerRoot(c.Spec, Directory, volumes);
        if (_serviceAccountDirectory is { } serviceAccount)
        {
            ServiceAccountCredentials.Mount(c.Spec, root, serviceAccount);
        }
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
            ["HOSTNAME"] = Name,
            ["HOME"] = root,
            ["TMPDIR"] = Path.Combine(root, "tmp"),
        };
        foreach (var passed in new[] { "DOTNET_ROOT", "LANG" })
        {
            if (Environment.GetEnvironmentVariable(passed) is { } value)
            {
                env[passed] = value;
            }
        }

        foreach (var (key, value) in image.Env)
        {
            env[key] = value;
        }

        if (_kubelet.Options.ApiServer is { } api)
        {
            // The "kubernetes" Service's variables, which every container gets (before its own env).
            var port = api.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["KUBERNETES_SERVICE_HOST"] = api.Host;
            env["KUBERNETES_SERVICE_PORT"] = port;
            env["KUBERNETES_SERVICE_PORT_HTTPS"] = port;
            env["KUBERNETES_PORT"] = $"tcp://{api.Host}:{port}";
        }

        foreach (var (key, value) in PodEnvironment.Build(_kubelet.Store, _pod, c.Spec, PodIp))
        {
            env[key] = value;
        }

        env[Sympozium.Api.WellKnown.IpcPaths.RootVariable] = root;
        var command = (c.Spec["command"] as JsonArray ?? []).Select(x => PodEnvironment.Expand(x?.ToString() ?? "", env)).ToList();
        var args = (c.Spec["args"] as JsonArray ?? []).Select(x => PodEnvironment.Expand(x?.ToString() ?? "", env)).ToList();
        List<string> argv;
        if (command.Count > 0)
        {
            argv = [.. command, .. args];
            argv[0] = ResolveExecutable(argv[0], env["PATH"]) ?? image.Command ?? argv[0];
        }
        else if (image.Command is not null)
        {
            argv = [image.Command, .. image.Args, .. args];
        }
        else
        {
            argv = args.Count > 0 ? args : ["sh"]; // busybox's and alpine's CMD
        }

        argv[0] = ResolveExecutable(argv[0], env["PATH"]) ?? argv[0];
        var workingDirectory = c.Spec["workingDir"]?.ToString() is { Length: > 0 } dir
            ? Path.Combine(root, dir.TrimStart('/'))
            : root;
        System.IO.Directory.CreateDirectory(workingDirectory);
        return (argv, env, workingDirectory);
    }

    /// <summary>An absolute path that exists on the host, else the name (base name of an image path) on PATH.</summary>
    private static string? ResolveExecutable(string name, string path)
    {
        if (name.StartsWith('/') && ContainerProcess.IsExecutable(name))
        {
            return name;
        }

        return ContainerProcess.FindOnPath(Path.GetFileName(name), path);
    }

    /// <summary>Reports the pod's phase as final (the containers are stopped).</summary>
    private void Finish(string phase, string? reason, string? message)
    {
        lock (_gate)
        {
            if (_finalPhase is not null || _silent)
            {
                return;
            }

            _finalPhase = phase;
            _reason = reason;
            _message = message;
        }

        Publish();
    }
}
