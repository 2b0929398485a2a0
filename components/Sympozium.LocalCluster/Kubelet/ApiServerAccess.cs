using Sympozium.LocalCluster.Security;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// How pods reach the local API server: the address put in KUBERNETES_SERVICE_HOST and
/// KUBERNETES_SERVICE_PORT, the CA written to ca.crt, and the issuer of their ServiceAccount tokens.
/// </summary>
internal sealed record ApiServerAccess(string Host, int Port, string CaPem, ServiceAccountTokens Tokens);
