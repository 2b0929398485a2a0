namespace Sympozium.Api.Tests;

/// <summary>Locates files of the repository from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "crds");

    public static string Manifests(string folder) => Path.Combine(AppContext.BaseDirectory, "Manifests", folder);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sympozium.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sympozium.sln not found above " + AppContext.BaseDirectory);
    }
}
