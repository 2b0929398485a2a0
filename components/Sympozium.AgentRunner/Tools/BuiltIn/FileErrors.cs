namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// Describes a file-system failure in the model's terms: the pod path and a short reason, never
/// the disk path under SYMPOZIUM_ROOT. Common cases get fixed words because the edge profile
/// (UseSystemResourceKeys) reduces the framework's own messages to resource keys.
/// </summary>
internal static class FileErrors
{
    public static string Describe(Exception error, string podPath, string? diskPath) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"{podPath}: no such file or directory",
        UnauthorizedAccessException => $"{podPath}: permission denied",
        PathTooLongException => $"{podPath}: file name too long",
        // Other IOExceptions carry strerror(3) text and the disk path: show the pod path instead.
        _ when diskPath is not null => error.Message.Replace(diskPath, podPath, StringComparison.Ordinal),
        _ => $"{podPath}: {error.Message}",
    };
}
