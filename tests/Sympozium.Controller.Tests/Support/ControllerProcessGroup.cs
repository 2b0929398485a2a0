namespace Sympozium.Controller.Tests.Support;

/// <summary>Tests sharing one local cluster and controller process; they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class ControllerProcessGroup : ICollectionFixture<ControllerProcessFixture>
{
    public const string Name = "controller process";
}
