namespace Sympozium.LocalCluster.Resources;

/// <summary>The built-in kinds the local cluster serves (stored schemaless), with their discovery names.</summary>
internal static class BuiltInResources
{
    private static readonly PrinterColumn Status = new("Status", "string", ".status.phase");

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Core("namespaces", "Namespace", namespaced: false, shortNames: ["ns"], subresources: ["status", "finalize"], columns: [Status]),
        Core("nodes", "Node", namespaced: false, shortNames: ["no"], subresources: ["status"],
            columns: [new("Status", "string", ".status.conditions[?(@.type==\"Ready\")].status"), new("Version", "string", ".status.nodeInfo.kubeletVersion")]),
        Core("pods", "Pod", shortNames: ["po"], categories: ["all"], subresources: ["status", "log"],
            columns: [Status, new("Node", "string", ".spec.nodeName", Priority: 1), new("IP", "string", ".status.podIP", Priority: 1)]),
        Core("services", "Service", shortNames: ["svc"], categories: ["all"], subresources: ["status"],
            columns: [new("Type", "string", ".spec.type"), new("Cluster-IP", "string", ".spec.clusterIP")]),
        Core("endpoints", "Endpoints", shortNames: ["ep"]),
        Core("configmaps", "ConfigMap", shortNames: ["cm"]),
        Core("secrets", "Secret", columns: [new("Type", "string", ".type")]),
        Core("serviceaccounts", "ServiceAccount", shortNames: ["sa"], subresources: ["token"]),
        Core("events", "Event", shortNames: ["ev"],
            columns: [new("Type", "string", ".type"), new("Reason", "string", ".reason"), new("Object", "string", ".involvedObject.name"), new("Message", "string", ".message")]),
        Core("persistentvolumeclaims", "PersistentVolumeClaim", shortNames: ["pvc"], subresources: ["status"], columns: [Status]),
        Group("apps", "deployments", "Deployment", shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"],
            columns: [new("Ready", "integer", ".status.readyReplicas"), new("Up-To-Date", "integer", ".status.updatedReplicas"), new("Available", "integer", ".status.availableReplicas")]),
        Group("apps", "replicasets", "ReplicaSet", shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"]),
        Group("apps", "daemonsets", "DaemonSet", shortNames: ["ds"], categories: ["all"], subresources: ["status"],
            columns: [new("Desired", "integer", ".status.desiredNumberScheduled"), new("Ready", "integer", ".status.numberReady")]),
        Group("batch", "jobs", "Job", categories: ["all"], subresources: ["status"],
            columns: [new("Succeeded", "integer", ".status.succeeded"), new("Failed", "integer", ".status.failed")]),
        Group("rbac.authorization.k8s.io", "roles", "Role"),
        Group("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", columns: [new("Role", "string", ".roleRef.name")]),
        Group("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", namespaced: false),
        Group("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", namespaced: false, columns: [new("Role", "string", ".roleRef.name")]),
        Group("networking.k8s.io", "networkpolicies", "NetworkPolicy", shortNames: ["netpol"]),
        Group("coordination.k8s.io", "leases", "Lease", columns: [new("Holder", "string", ".spec.holderIdentity")]),
        Group("admissionregistration.k8s.io", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", namespaced: false),
        Group("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", namespaced: false),
        Group("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false,
            shortNames: ["crd", "crds"], subresources: ["status"], columns: [new("Created At", "date", ".metadata.creationTimestamp")]),
        Group("events.k8s.io", "events", "Event", shortNames: ["ev"], columns: [new("Reason", "string", ".reason"), new("Note", "string", ".note")]),
    ];

    private static ResourceType Core(string plural, string kind, bool namespaced = true, string[]? shortNames = null,
        string[]? categories = null, string[]? subresources = null, PrinterColumn[]? columns = null) =>
        Group("", plural, kind, namespaced, shortNames, categories, subresources, columns);

    private static ResourceType Group(string group, string plural, string kind, bool namespaced = true, string[]? shortNames = null,
        string[]? categories = null, string[]? subresources = null, PrinterColumn[]? columns = null) =>
        new()
        {
            Key = new ResourceKey(group, "v1", plural),
            Kind = kind,
            Singular = kind.ToLowerInvariant(),
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            Subresources = subresources ?? [],
            Columns = columns ?? [],
        };
}
