using System.Text;

namespace Sympozium.Hosting;

/// <summary>One readiness input: a name, whether it is fine, and why not.</summary>
public sealed record ReadinessCheck(string Name, Func<(bool Ok, string Detail)> Probe)
{
    /// <summary>
    /// 200 when every check passes, else 503; the body lists each check as <c>[+]</c> or
    /// <c>[-]</c> with its detail and ends with <c>ready</c> or <c>not ready</c> (the shape of the
    /// API server's own <c>/readyz?verbose</c>).
    /// </summary>
    public static ProbeAnswer Evaluate(IEnumerable<ReadinessCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var text = new StringBuilder();
        var ready = true;
        foreach (var check in checks)
        {
            var (ok, detail) = check.Probe();
            ready &= ok;
            text.Append(ok ? "[+] " : "[-] ").Append(check.Name).Append(": ").Append(detail).Append('\n');
        }

        text.Append(ready ? "ready\n" : "not ready\n");
        return new ProbeAnswer(ready ? 200 : 503, "text/plain; charset=utf-8", text.ToString());
    }
}
