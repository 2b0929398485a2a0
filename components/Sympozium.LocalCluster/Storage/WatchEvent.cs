using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Storage;

/// <summary>The types of a watch event, spelled as on the wire.</summary>
public static class WatchEventTypes
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";
}

/// <summary>
/// One committed change. <see cref="Object"/> is the object as stored after the change (for
/// DELETED: as last stored, with the deletion's resourceVersion); <see cref="OldObject"/> is the
/// object before it (null for ADDED), so selector watches can turn a MODIFIED that leaves or
/// enters the selection into DELETED or ADDED as Kubernetes does. Both are shared: clone before
/// changing them.
/// </summary>
public sealed record WatchEvent(string Type, string Resource, long ResourceVersion, JsonObject Object, JsonObject? OldObject)
{
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
}
