using System.Text;

namespace Sympozium.LocalCluster.Security;

/// <summary>Writes the kubeconfig clients use: the CA inline, https://127.0.0.1:PORT, the bearer token.</summary>
internal static class Kubeconfig
{
    public const string ContextName = "sympozium-local";

    public static void Write(string path, string caPem, int port, string token)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        var text = $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {{ContextName}}
              cluster:
                server: https://127.0.0.1:{{port}}
                certificate-authority-data: {{ca}}
            users:
            - name: {{ContextName}}
              user:
                token: {{token}}
            contexts:
            - name: {{ContextName}}
              context:
                cluster: {{ContextName}}
                user: {{ContextName}}
                namespace: default
            current-context: {{ContextName}}
            preferences: {}

            """;
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
