namespace Sympozium.E2E.Local.Tests.Support;

/// <summary>
/// One installed control plane for the whole suite (an install takes a while on a small machine);
/// the test classes of the collection run one after another, each in its own namespace.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedControlPlane : ICollectionFixture<LocalControlPlaneFixture>
{
    public const string Name = "local control plane";
}
