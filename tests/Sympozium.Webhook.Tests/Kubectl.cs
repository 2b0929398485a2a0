using System.Diagnostics;

namespace Sympozium.Webhook.Tests;

/// <summary>Runs the real kubectl binary against a local cluster's kubeconfig.</summary>
internal static class Kubectl
{
    /// <summary>kubectl 1.32 from the Google Cloud SDK if present (the CI image has it), else kubectl on PATH; null if none.</summary>
    public static string? Path { get; } =
        new[] { "/usr/lib/google-cloud-sdk/bin/kubectl.1.32", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33" }.FirstOrDefault(File.Exists)
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => System.IO.Path.Combine(dir, "kubectl")).FirstOrDefault(File.Exists);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("no kubectl binary on this machine"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["HOME"] = System.IO.Path.GetDirectoryName(kubeconfig);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that is skipped, saying why, only when no kubectl binary exists on the machine.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "no kubectl binary on this machine (looked for /usr/lib/google-cloud-sdk/bin/kubectl.1.32 and kubectl on PATH)";
        }
    }
}
