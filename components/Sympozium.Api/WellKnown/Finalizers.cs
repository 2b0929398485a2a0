namespace Sympozium.Api.WellKnown;

/// <summary>Finalizer names, one per kind that needs cleanup.</summary>
public static class Finalizers
{
    public const string AgentRun = Labels.Prefix + "agentrun-finalizer";
    public const string Instance = Labels.Prefix + "finalizer";
    public const string Schedule = Labels.Prefix + "schedule-finalizer";
    public const string SkillPack = Labels.Prefix + "skillpack-finalizer";
    public const string PersonaPack = Labels.Prefix + "personapack-finalizer";
    public const string Config = Labels.Prefix + "config-finalizer";
}
