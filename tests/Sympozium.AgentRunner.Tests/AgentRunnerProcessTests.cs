using System.Diagnostics;
using System.Text.Json.Nodes;
using Sympozium.AgentRunner.Tests.Tools;
using Sympozium.Api.WellKnown;
using Sympozium.Testing.Llm;

namespace Sympozium.AgentRunner.Tests;

/// <summary>
/// The real agent-runner program as a separate process: tool call → command executed by a skill
/// sidecar stand-in through /ipc files → result → final answer.
/// </summary>
public sealed class AgentRunnerProcessTests : IAsyncLifetime, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sympozium-runner-proc-").FullName;
    private ScriptedLlmServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunProcess(params (string Key, string Value)[] env)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agent-runner.dll"));
        info.Environment["SYMPOZIUM_ROOT"] = _root;
        info.Environment["LLM_MAX_RETRIES"] = "0";
        info.Environment["OPENAI_API_KEY"] = "sk-secret-never-logged";
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A sidecar that really runs the command with bash, as the skill images do.</summary>
    private static JsonObject RunWithBash(JsonObject request)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(request["command"]!.GetValue<string>());
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return FakeSkillSidecar.Result(output, error, process.ExitCode);
    }

    [Fact]
    public async Task Tool_call_runs_in_the_sidecar_and_the_answer_uses_its_output()
    {
        var tools = Directory.CreateDirectory(IpcPaths.Resolve(IpcPaths.ToolsDir, _root)).FullName;
        await using var sidecar = new FakeSkillSidecar(tools, RunWithBash);
        _llm.Enqueue(
            LlmReply.CallTool("execute_command", """{"command":"echo hello from $((6*7))"}"""),
            LlmReply.Say("The command printed: hello from 42"));

        var (code, stdout, stderr) = await RunProcess(("TASK", "say hello"), ("TOOLS_ENABLED", "true"), ("MODEL_BASE_URL", _llm.OpenAiBaseUrl), ("AGENT_RUN_ID", "run-1"));

        Assert.True(code == 0, stderr);
        var toolMessage = _llm.Requests[1].Body!["messages"]!.AsArray().Last()!;
        Assert.Equal("tool", toolMessage["role"]!.GetValue<string>());
        Assert.Equal("hello from 42\n", toolMessage["content"]!.GetValue<string>());
        Assert.Contains("execute_command", _llm.Requests[0].Body!["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()));
        var result = JsonNode.Parse(File.ReadAllText(IpcPaths.Resolve(IpcPaths.ResultFile, _root)))!;
        Assert.Equal("The command printed: hello from 42", result["response"]!.GetValue<string>());
        Assert.Equal(1, result["metrics"]!["toolCalls"]!.GetValue<int>());
        Assert.Equal("success", JsonNode.Parse(LogMarkers.LastResult(stdout)!)!["status"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(tools, "exec-request-*"));
        Assert.DoesNotContain("sk-secret-never-logged", stdout + stderr, StringComparison.Ordinal);
        Assert.Contains("tool call 1: execute_command", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anthropic_run_with_a_failing_command_reports_the_error_to_the_model()
    {
        var tools = Directory.CreateDirectory(IpcPaths.Resolve(IpcPaths.ToolsDir, _root)).FullName;
        await using var sidecar = new FakeSkillSidecar(tools, RunWithBash);
        _llm.Enqueue(
            LlmReply.CallTool("execute_command", """{"command":"echo oops >&2; exit 3"}"""),
            LlmReply.Say("It failed with exit code 3."));

        var (code, _, stderr) = await RunProcess(("TASK", "try"), ("TOOLS_ENABLED", "true"), ("MODEL_PROVIDER", "anthropic"),
            ("MODEL_BASE_URL", _llm.BaseUrl), ("ANTHROPIC_API_KEY", "ant"));

        Assert.True(code == 0, stderr);
        var toolResult = _llm.Requests[1].Body!["messages"]![2]!["content"]![0]!;
        Assert.Equal("tool_result", toolResult["type"]!.GetValue<string>());
        Assert.True(toolResult["is_error"]!.GetValue<bool>());
        Assert.Equal("STDERR: oops\n\n(exit code: 3)", toolResult["content"]!.GetValue<string>());
        Assert.Equal("ant", _llm.Requests[0].Header("x-api-key"));
    }

    [Fact]
    public async Task Provider_errors_exit_1_with_the_reason_in_the_result_marker()
    {
        _llm.Fallback = LlmReply.Fail(503, "no GPUs left");

        var (code, stdout, _) = await RunProcess(("TASK", "t"), ("MODEL_PROVIDER", "ollama"), ("MODEL_BASE_URL", _llm.BaseUrl));

        Assert.Equal(1, code);
        var marker = JsonNode.Parse(LogMarkers.LastResult(stdout)!)!;
        Assert.Equal("error", marker["status"]!.GetValue<string>());
        Assert.Equal("Ollama API error (HTTP 503): no GPUs left", marker["error"]!.GetValue<string>());
    }
}
