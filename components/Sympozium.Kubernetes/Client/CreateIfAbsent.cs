namespace Sympozium.Kubernetes.Client;

/// <summary>
/// Creates an object unless one of that name exists, which is then left exactly as it is: the
/// reconcile that created it may have been interrupted (a restart, a lost reply), or another
/// worker got there first. Like controller-runtime's create-then-ignore-AlreadyExists.
/// </summary>
public static class CreateIfAbsent
{
    /// <summary>Creates <paramref name="value"/>; true when this call created it, false on 409 AlreadyExists.</summary>
    public static async Task<bool> CreateAsync<T>(ResourceClient<T> client, string? ns, T value, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.CreateAsync(ns, value, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads <paramref name="name"/> first and creates it only when absent, building it with
    /// <paramref name="build"/> only then (a generated key is never made for an object that
    /// exists). True when this call created it.
    /// </summary>
    public static async Task<bool> EnsureAsync<T>(ResourceClient<T> client, string? ns, string name, Func<T> build, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(build);
        if (await client.GetAsync(ns, name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        return await CreateAsync(client, ns, build(), cancellationToken).ConfigureAwait(false);
    }
}
