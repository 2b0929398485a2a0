using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// Which local executable runs a container image. The --images file is a YAML mapping from an
/// image pattern (<c>*</c> and <c>?</c> globs; a pattern without a tag matches every tag) to an
/// entry, or to just the executable:
/// <code>
/// ghcr.io/sympozium/agent-runner:*:
///   command: /abs/path/to/agent-runner   # the image's entrypoint
///   args: [--verbose]                    # fixed entrypoint arguments (optional)
///   env: {DOTNET_gcServer: "0"}          # image environment (optional)
/// ghcr.io/sympozium/ipc-bridge: /abs/path/to/ipc-bridge
/// ghcr.io/sympozium/channel-slack:*:
///   command: /abs/path/to/channel-slack
///   pull: [/repo/aot-profiles/publish-all.sh, --only, Sympozium.Channel.Slack]
/// ghcr.io/sympozium/webhook:*:
///   command: dotnet
///   args: [/abs/path/to/webhook.dll]
///   pull: [dotnet, build, /abs/path/to/Webhook.csproj]
///   pulled: /abs/path/to/webhook.dll     # what the pull produces (default: command)
/// "busybox*": {}                         # no command: the container's command runs with host programs
/// </code>
/// <c>pull</c> is the image's stand-in for a registry pull: when <c>pulled</c> (default:
/// <c>command</c>) does not exist yet, the kubelet runs it once (one pull per image at a time; the pod waits in
/// ContainerCreating meanwhile, as it would while a real node pulls) and then starts the
/// container; a pull that fails or leaves no <c>pulled</c> file is ErrImagePull, retried with back-off.
/// The built-in entries <c>busybox*</c> and <c>alpine*</c> (and their docker.io forms) come
/// after the file's, so the file can override them.
/// </summary>
public sealed class ImageMap
{
    private static readonly ImageEntry[] Defaults =
    [
        new("busybox*", null, [], new Dictionary<string, string>()),
        new("alpine*", null, [], new Dictionary<string, string>()),
    ];

    private readonly IReadOnlyList<ImageEntry> _entries;

    private ImageMap(IReadOnlyList<ImageEntry> entries, string source)
    {
        _entries = entries;
        Source = source;
    }

    /// <summary>The file the map came from, or a description of the built-in map.</summary>
    public string Source { get; }

    public static ImageMap Default { get; } = new(Defaults, "built-in map: busybox*, alpine*; pass --images FILE to add images");

    public static ImageMap Load(string? file)
    {
        if (file is null)
        {
            return Default;
        }

        JsonNode parsed;
        try
        {
            parsed = YamlJson.Parse(File.ReadAllText(file));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"--images {file}: {e.Message}", e);
        }

        if (parsed is not JsonObject map)
        {
            throw new InvalidDataException($"--images {file}: expected a YAML mapping from image pattern to {{command, args, env}}");
        }

        var entries = new List<ImageEntry>();
        foreach (var (pattern, value) in map)
        {
            entries.Add(value switch
            {
                null => new ImageEntry(pattern, null, [], new Dictionary<string, string>()),
                JsonValue v => new ImageEntry(pattern, Absolute(file, v.ToString()), [], new Dictionary<string, string>()),
                JsonObject o => new ImageEntry(
                    pattern,
                    o["command"] is { } c ? Absolute(file, c.ToString()) : null,
                    o["args"] is JsonArray a ? a.Select(x => x?.ToString() ?? "").ToList() : [],
                    o["env"] is JsonObject env ? env.ToDictionary(e => e.Key, e => e.Value?.ToString() ?? "", StringComparer.Ordinal) : new Dictionary<string, string>())
                {
                    Pull = o["pull"] switch
                    {
                        null => null,
                        JsonArray { Count: > 0 } pull => [.. pull.Select(x => x?.ToString() ?? "")],
                        _ => throw new InvalidDataException($"--images {file}: entry '{pattern}': pull must be a non-empty list (the command and its arguments), e.g. pull: [make, aot]"),
                    },
                    Pulled = o["pulled"] is { } pulled ? Path.GetFullPath(pulled.ToString(), Path.GetDirectoryName(Path.GetFullPath(file))!) : null,
                },
                _ => throw new InvalidDataException($"--images {file}: entry '{pattern}' must be an executable path or a mapping with command, args, env, pull"),
            });
        }

        return new ImageMap([.. entries, .. Defaults], Path.GetFullPath(file));
    }

    private static string Absolute(string file, string command) =>
        command.Contains('/', StringComparison.Ordinal) ? Path.GetFullPath(command, Path.GetDirectoryName(Path.GetFullPath(file))!) : command;

    public ImageEntry? Resolve(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var candidates = new List<string> { image };
        foreach (var prefix in new[] { "docker.io/library/", "docker.io/", "index.docker.io/library/" })
        {
            if (image.StartsWith(prefix, StringComparison.Ordinal))
            {
                candidates.Add(image[prefix.Length..]);
            }
        }

        return _entries.FirstOrDefault(e => candidates.Any(c => Matches(e.Pattern, c)));
    }

    public string NotFoundMessage(string image) =>
        $"image \"{image}\" is not in the local cluster's image map ({Source}); add it with an entry such as "
        + $"'{Untagged(image)}: {{command: /path/to/executable}}' to the --images file";

    private static string Untagged(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] + ":*" : image;
    }

    internal static bool Matches(string pattern, string image)
    {
        if (Glob(pattern, image))
        {
            return true;
        }

        // A pattern without a tag matches every tag (and digest) of that image.
        var slash = pattern.LastIndexOf('/');
        if (pattern.IndexOf(':', Math.Max(0, slash)) < 0 && !pattern.EndsWith('*'))
        {
            return Glob(pattern + ":*", image) || Glob(pattern + "@*", image);
        }

        return false;
    }

    private static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

/// <summary>An image's local stand-in: its entrypoint executable (null: the container's command runs with host programs), fixed arguments and environment.</summary>
public sealed record ImageEntry(string Pattern, string? Command, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env)
{
    /// <summary>The command that produces <see cref="Command"/> when it does not exist (the stand-in for a registry pull); null: nothing to pull.</summary>
    public IReadOnlyList<string>? Pull { get; init; }

    /// <summary>The file <see cref="Pull"/> produces; null: <see cref="Command"/>.</summary>
    public string? Pulled { get; init; }

    /// <summary>The file whose absence calls for the pull.</summary>
    public string? PullTarget => Pulled ?? (Command is { } c && c.Contains('/', StringComparison.Ordinal) ? c : null);

    /// <summary>True when the image must be pulled before a container of it can start.</summary>
    public bool NeedsPull => Pull is not null && PullTarget is { } target && !File.Exists(target);
}
