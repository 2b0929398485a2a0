namespace Sympozium.AgentRunner.Prompt;

/// <summary>Reads the skill documents mounted at /skills.</summary>
public static class SkillLoader
{
    public const string Separator = "\n\n---\n\n";

    /// <summary>
    /// Every file directly in <paramref name="directory"/>, sorted by name, skipping directories
    /// and dot-names (the <c>..data</c> internals of projected volumes), trimmed, empty ones
    /// dropped, joined with a rule. Empty when the directory is missing.
    /// </summary>
    public static string Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return "";
        }

        var documents = Directory.EnumerateFileSystemEntries(directory)
            .Select(path => (Path: path, Name: Path.GetFileName(path)))
            .Where(e => !e.Name.StartsWith('.') && File.Exists(e.Path))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => File.ReadAllText(e.Path).Trim())
            .Where(text => text.Length > 0);
        return string.Join(Separator, documents);
    }
}
