using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>execute_command hands commands to skill sidecars through /ipc/tools files
/// (docs/design/ipc-protocol.md#tool-execution).</summary>
public sealed class ExecuteCommandToolTests : IDisposable
{
    private readonly ToolTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private string ToolsDir => _root.Disk("/ipc/tools");

    [Fact]
    public async Task Command_output_comes_back_and_both_files_are_removed()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result(stdout: "pod-a\npod-b\n"));
        var registry = _root.BuiltIns();

        var result = await registry.Call("execute_command", """{"command":"kubectl get pods"}""");

        Assert.Equal(("pod-a\npod-b\n", false), (result.Text, result.IsError));
        var request = Assert.Single(sidecar.Executed);
        Assert.Equal("kubectl get pods", (string?)request["command"]);
        Assert.Equal("/workspace", (string?)request["workDir"]);
        Assert.Equal(30, (int?)request["timeout"]);
        Assert.False(request.ContainsKey("skill"));
        Assert.DoesNotContain(_root.Files("/ipc/tools"), f => f.StartsWith("exec-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stderr_and_a_non_zero_exit_code_are_reported_and_flagged_as_an_error()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result(stderr: "boom", exitCode: 2));

        var result = await _root.BuiltIns().Call("execute_command", """{"command":"false"}""");

        Assert.Equal(("STDERR: boom\n(exit code: 2)", true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Stdout_stderr_and_a_sidecar_timeout_are_all_reported()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result("partial", "killed", 124, timedOut: true));

        var result = await _root.BuiltIns().Call("execute_command", """{"command":"sleep 999"}""");

        Assert.Equal(("partial\nSTDERR: killed\n(command timed out)\n(exit code: 124)", true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task A_silent_successful_command_reads_no_output()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result());

        var result = await _root.BuiltIns().Call("execute_command", """{"command":"true"}""");

        Assert.Equal(("(no output)", false), (result.Text, result.IsError));
    }

    [Theory]
    [InlineData("500", 120)]
    [InlineData("120", 120)]
    [InlineData("7", 7)]
    [InlineData("\"7\"", 7)]
    [InlineData("0.5", 1)]
    [InlineData("0", 30)]
    [InlineData("-5", 30)]
    [InlineData("\"soon\"", 30)]
    public async Task Timeout_is_clamped_to_1_to_120_seconds_and_defaults_to_30(string given, int sent)
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result("ok"));

        await _root.BuiltIns().Call("execute_command", $$"""{"command":"ls","timeout":{{given}}}""");

        Assert.Equal(sent, (int?)Assert.Single(sidecar.Executed)["timeout"]);
    }

    [Fact]
    public async Task Output_is_cut_to_8000_bytes_with_a_marker()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result(new string('x', 9000)));

        var result = await _root.BuiltIns().Call("execute_command", """{"command":"yes"}""");

        Assert.Equal(new string('x', 8000) + "\n... (output truncated)", result.Text);
    }

    [Fact]
    public async Task Truncation_never_splits_a_multi_byte_character()
    {
        // 3 000 × "€" (3 bytes) = 9 000 bytes: 8 000 is not a character boundary.
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result(new string('€', 3000)));

        var result = await _root.BuiltIns().Call("execute_command", """{"command":"euro"}""");

        var kept = result.Text[..^"\n... (output truncated)".Length];
        Assert.Equal(new string('€', 2666), kept);
        Assert.True(Encoding.UTF8.GetByteCount(kept) <= 8000);
    }

    [Fact]
    public async Task Without_a_sidecar_the_call_gives_up_after_timeout_plus_grace_and_withdraws_the_request()
    {
        var registry = _root.BuiltIns(ToolTestRoot.FastOptions with { ResultWaitGrace = TimeSpan.FromMilliseconds(300) });
        var clock = Stopwatch.StartNew();

        var result = await registry.Call("execute_command", """{"command":"ls","timeout":1}""");

        Assert.Equal(("Error: timed out waiting for command execution result. The skill sidecar may not be running.", true), (result.Text, result.IsError));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(10));
        Assert.Empty(_root.Files("/ipc/tools"));
    }

    [Fact]
    public async Task Two_sidecars_sharing_the_directory_execute_each_request_exactly_once()
    {
        static JsonObject Echo(JsonObject request) => FakeSkillSidecar.Result((string)request["command"]!);
        await using var first = new FakeSkillSidecar(ToolsDir, Echo);
        await using var second = new FakeSkillSidecar(ToolsDir, Echo);
        var registry = _root.BuiltIns();

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => registry.Call("execute_command", $$"""{"command":"echo {{i}}"}""")));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"echo {i}"), results.Select(r => r.Text));
        var executed = first.Executed.Concat(second.Executed).Select(r => (string)r["id"]!).ToList();
        Assert.Equal(20, executed.Count);
        Assert.Equal(20, executed.Distinct().Count());
    }

    [Fact]
    public async Task Requests_are_published_whole_so_no_sidecar_reads_a_partial_file()
    {
        // A command of ~1 MB would be torn by a plain create+write under a polling reader.
        var big = new string('a', 1_000_000);
        await using var sidecar = new FakeSkillSidecar(ToolsDir, r => FakeSkillSidecar.Result(((string)r["command"]!).Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var registry = _root.BuiltIns();

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => registry.Call("execute_command", new JsonObject { ["command"] = big })));

        Assert.All(results, r => Assert.Equal("1000000", r.Text));
    }

    [Fact]
    public async Task Skill_routing_hint_and_trace_metadata_travel_in_the_request()
    {
        await using var sidecar = new FakeSkillSidecar(ToolsDir, _ => FakeSkillSidecar.Result("ok"));
        var options = ToolTestRoot.FastOptions with
        {
            TraceMetadata = () => new Dictionary<string, string> { ["traceparent"] = "00-abc-def-01" },
        };

        await _root.BuiltIns(options).Call("execute_command", """{"command":"gh pr list","skill":" GitHub-GitOps ","workdir":"/tmp"}""");

        var request = Assert.Single(sidecar.Executed);
        Assert.Equal("github-gitops", (string?)request["skill"]);
        Assert.Equal("/tmp", (string?)request["workDir"]);
        Assert.Equal("00-abc-def-01", (string?)request["_meta"]?["traceparent"]);
    }

    [Fact]
    public async Task An_unreadable_result_is_reported_as_a_parse_error()
    {
        var registry = _root.BuiltIns();
        var call = registry.Call("execute_command", """{"command":"ls"}""");
        var request = await WaitForFileAsync("exec-request-");
        var id = request["exec-request-".Length..^".json".Length];
        await File.WriteAllTextAsync(Path.Join(ToolsDir, $"exec-result-{id}.json"), "{not json");

        var result = await call;

        Assert.True(result.IsError);
        Assert.StartsWith("Error parsing exec result: ", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_the_run_withdraws_the_request()
    {
        var registry = _root.BuiltIns();
        using var cancel = new CancellationTokenSource();
        var call = registry.Call("execute_command", """{"command":"ls"}""", cancel.Token);
        await WaitForFileAsync("exec-request-");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Empty(_root.Files("/ipc/tools"));
    }

    [Fact]
    public async Task A_missing_command_is_refused_without_writing_a_request()
    {
        var result = await _root.BuiltIns().Call("execute_command", """{"workdir":"/tmp"}""");

        Assert.Equal(("Error: 'command' is required", true), (result.Text, result.IsError));
        Assert.Empty(_root.Files("/ipc/tools"));
    }

    private async Task<string> WaitForFileAsync(string prefix)
    {
        for (var i = 0; i < 500; i++)
        {
            var name = _root.Files("/ipc/tools").FirstOrDefault(f => f.StartsWith(prefix, StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal));
            if (name is not null)
            {
                return name;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"no {prefix}* file appeared");
    }
}
