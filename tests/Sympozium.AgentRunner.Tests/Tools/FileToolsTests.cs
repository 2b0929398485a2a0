using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>
/// read_file, write_file and list_directory stay inside their roots: whole path segments after
/// resolving "..", and symbolic links resolved on disk (upstream: prefix test only,
/// docs/design/upstream-fixes.md#dp-8).
/// </summary>
public sealed class FileToolsTests : IDisposable
{
    private const string ReadDenied = "Error: access denied — path must be under /workspace, /skills, /tmp, /ipc";
    private const string WriteDenied = "Error: access denied — path must be under /workspace, /tmp";

    private readonly ToolTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private Task<Sympozium.AgentRunner.Tools.ToolResult> Call(string tool, string path, string? content = null)
    {
        var arguments = new JsonObject { ["path"] = path };
        if (content is not null)
        {
            arguments["content"] = content;
        }

        return _root.BuiltIns().Call(tool, arguments);
    }

    [Fact]
    public async Task Read_file_returns_a_workspace_file()
    {
        File.WriteAllText(_root.Disk("/workspace/notes.txt"), "hello");

        var result = await Call("read_file", "/workspace/notes.txt");

        Assert.Equal(("hello", false), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Read_file_cuts_long_files_and_names_their_size()
    {
        File.WriteAllText(_root.Disk("/workspace/big.txt"), new string('y', 9000));

        var result = await Call("read_file", "/workspace/big.txt");

        Assert.Equal(new string('y', 8000) + "\n... (truncated, file is 9000 bytes)", result.Text);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/workspace/../etc/passwd")]
    [InlineData("/workspace/../../../../etc/passwd")]
    [InlineData("/tmpx/file")]
    [InlineData("/workspacefoo/a.txt")]
    [InlineData("/outside/secret.txt")]
    [InlineData("workspace/notes.txt")]
    [InlineData("/")]
    public async Task Read_file_refuses_paths_outside_the_readable_roots(string path)
    {
        var result = await Call("read_file", path);

        Assert.Equal((ReadDenied, true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Read_file_refuses_a_symbolic_link_that_leads_outside()
    {
        File.CreateSymbolicLink(_root.Disk("/workspace/abs-link"), Path.Join(_root.Root, "outside", "secret.txt"));
        File.CreateSymbolicLink(_root.Disk("/workspace/rel-link"), "../outside/secret.txt");
        File.CreateSymbolicLink(_root.Disk("/workspace/etc-link"), "/etc/passwd");

        foreach (var path in new[] { "/workspace/abs-link", "/workspace/rel-link", "/workspace/etc-link" })
        {
            var result = await Call("read_file", path);

            Assert.True(result.IsError);
            Assert.Equal($"Error: access denied — {path} leads outside /workspace, /skills, /tmp, /ipc through a symbolic link", result.Text);
        }
    }

    [Fact]
    public async Task Read_file_refuses_a_path_through_a_linked_directory_that_leads_outside()
    {
        Directory.CreateSymbolicLink(_root.Disk("/workspace/dir-link"), Path.Join(_root.Root, "outside"));

        var result = await Call("read_file", "/workspace/dir-link/secret.txt");

        Assert.True(result.IsError);
        Assert.DoesNotContain("top secret", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_file_follows_links_that_stay_inside_like_configmap_projections()
    {
        // A projected ConfigMap: /skills/a.md -> ..data/a.md, ..data -> ..2025_01_01
        Directory.CreateDirectory(_root.Disk("/skills/..2025_01_01"));
        File.WriteAllText(_root.Disk("/skills/..2025_01_01/a.md"), "# skill a");
        Directory.CreateSymbolicLink(_root.Disk("/skills/..data"), "..2025_01_01");
        File.CreateSymbolicLink(_root.Disk("/skills/a.md"), "..data/a.md");

        var result = await Call("read_file", "/skills/a.md");

        Assert.Equal(("# skill a", false), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Read_file_of_a_missing_file_names_the_pod_path_not_the_disk_path()
    {
        var result = await Call("read_file", "/workspace/missing.txt");

        Assert.Equal(("Error reading file: /workspace/missing.txt: no such file or directory", true), (result.Text, result.IsError));
        Assert.DoesNotContain(_root.Root, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_file_creates_parent_directories_and_reports_the_bytes_written()
    {
        var result = await Call("write_file", "/workspace/a/b/c.txt", "héllo");

        Assert.Equal(("Successfully wrote 6 bytes to /workspace/a/b/c.txt", false), (result.Text, result.IsError));
        Assert.Equal("héllo", File.ReadAllText(_root.Disk("/workspace/a/b/c.txt")));
    }

    [Fact]
    public async Task Write_file_accepts_a_json_body_given_as_an_object()
    {
        var result = await _root.BuiltIns().Call("write_file", """{"path":"/workspace/config.json","content":{"replicas":3}}""");

        Assert.Equal("Successfully wrote 14 bytes to /workspace/config.json", result.Text);
        Assert.Equal("""{"replicas":3}""", File.ReadAllText(_root.Disk("/workspace/config.json")));
    }

    [Fact]
    public async Task Write_file_reports_the_cleaned_path_and_leaves_no_temporary_file()
    {
        var result = await Call("write_file", "/tmp/./x/../report.md", "# r");

        Assert.Equal("Successfully wrote 3 bytes to /tmp/report.md", result.Text);
        Assert.Equal(["report.md"], _root.Files("/tmp"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Write_file_replaces_a_file_and_keeps_its_mode()
    {
        var script = _root.Disk("/workspace/run.sh");
        File.WriteAllText(script, "old");
        var executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        File.SetUnixFileMode(script, executable);

        await Call("write_file", "/workspace/run.sh", "#!/bin/sh\necho new\n");

        Assert.Equal("#!/bin/sh\necho new\n", File.ReadAllText(script));
        Assert.Equal(executable, File.GetUnixFileMode(script));
    }

    [Theory]
    [InlineData("/etc/x")]
    [InlineData("/skills/new.md")]
    [InlineData("/ipc/output/result.json")]
    [InlineData("/workspace/../outside/pwned.txt")]
    [InlineData("/tmpx/file")]
    public async Task Write_file_refuses_paths_outside_workspace_and_tmp(string path)
    {
        var result = await Call("write_file", path, "x");

        Assert.Equal((WriteDenied, true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Write_file_does_not_write_through_a_link_that_leads_outside()
    {
        Directory.CreateSymbolicLink(_root.Disk("/workspace/out"), Path.Join(_root.Root, "outside"));
        File.CreateSymbolicLink(_root.Disk("/tmp/secret-link"), Path.Join(_root.Root, "outside", "secret.txt"));

        var throughDirectory = await Call("write_file", "/workspace/out/pwned.txt", "x");
        var throughFile = await Call("write_file", "/tmp/secret-link", "overwritten");

        Assert.True(throughDirectory.IsError && throughFile.IsError);
        Assert.False(File.Exists(Path.Join(_root.Root, "outside", "pwned.txt")));
        Assert.Equal("top secret", File.ReadAllText(Path.Join(_root.Root, "outside", "secret.txt")));
    }

    [Fact]
    public async Task List_directory_prints_kind_size_and_name_sorted_by_name()
    {
        File.WriteAllText(_root.Disk("/workspace/b.txt"), "12345");
        Directory.CreateDirectory(_root.Disk("/workspace/a-dir"));
        File.WriteAllText(_root.Disk("/workspace/.hidden"), "");

        var result = await Call("list_directory", "/workspace");

        Assert.Equal($"{"file",-6} {0,8}  .hidden\n{"dir",-6} {0,8}  a-dir\n{"file",-6} {5,8}  b.txt\n", result.Text);
        Assert.Equal("file          5  b.txt", result.Text.Split('\n')[2]);
    }

    [Fact]
    public async Task List_directory_of_an_empty_directory_is_empty()
    {
        var result = await Call("list_directory", "/tmp");

        Assert.Equal(("", false), (result.Text, result.IsError));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/etc")]
    [InlineData("/workspace/..")]
    [InlineData("/outside")]
    public async Task List_directory_is_restricted_to_the_readable_roots(string path)
    {
        var result = await Call("list_directory", path);

        Assert.Equal((ReadDenied, true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task List_directory_refuses_a_linked_directory_that_leads_outside()
    {
        Directory.CreateSymbolicLink(_root.Disk("/workspace/out"), Path.Join(_root.Root, "outside"));

        var result = await Call("list_directory", "/workspace/out");

        Assert.True(result.IsError);
        Assert.DoesNotContain("secret.txt", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_path_argument_is_an_error()
    {
        foreach (var tool in new[] { "read_file", "write_file", "list_directory" })
        {
            var result = await _root.BuiltIns().Call(tool, "{}");

            Assert.Equal(("Error: 'path' is required", true), (result.Text, result.IsError));
        }
    }
}
