using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>send_channel_message, schedule_task and delegate_to_persona drop whole files for the ipc-bridge.</summary>
public sealed class IpcRequestToolsTests : IDisposable
{
    private readonly ToolTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    private string OnlyFile(string podDirectory, string prefix)
    {
        var name = Assert.Single(_root.Files(podDirectory));
        Assert.StartsWith(prefix, name, StringComparison.Ordinal);
        Assert.EndsWith(".json", name, StringComparison.Ordinal);
        return File.ReadAllText(Path.Join(_root.Disk(podDirectory), name));
    }

    [Fact]
    public async Task A_message_without_chat_id_goes_to_the_owner_and_the_file_has_no_chat_id()
    {
        var result = await _root.BuiltIns().Call("send_channel_message", """{"channel":"telegram","text":"done"}""");

        Assert.Equal(("Message sent to telegram channel (target: owner (self))", false), (result.Text, result.IsError));
        Assert.Equal("""{"channel":"telegram","text":"done"}""", OnlyFile("/ipc/messages", "send-"));
    }

    [Fact]
    public async Task A_message_with_chat_id_names_its_target()
    {
        var result = await _root.BuiltIns().Call("send_channel_message", """{"channel":"Slack","text":"hi","chatId":"C42"}""");

        Assert.Equal("Message sent to slack channel (target: C42)", result.Text);
        Assert.Equal("""{"channel":"slack","chatId":"C42","text":"hi"}""", OnlyFile("/ipc/messages", "send-"));
    }

    [Theory]
    [InlineData("""{"channel":"email","text":"hi"}""", "Error: unknown channel 'email' — use one of whatsapp, telegram, discord, slack")]
    [InlineData("""{"text":"hi"}""", "Error: 'channel' is required (whatsapp, telegram, discord, slack)")]
    [InlineData("""{"channel":"discord"}""", "Error: 'text' is required")]
    public async Task A_bad_message_is_refused_and_nothing_is_sent(string arguments, string error)
    {
        var result = await _root.BuiltIns().Call("send_channel_message", arguments);

        Assert.Equal((error, true), (result.Text, result.IsError));
        Assert.Empty(_root.Files("/ipc/messages"));
    }

    [Fact]
    public async Task Messages_sent_in_a_burst_each_get_their_own_file()
    {
        var registry = _root.BuiltIns();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => registry.Call("send_channel_message", $$"""{"channel":"slack","text":"m{{i}}"}""")));

        Assert.Equal(50, _root.Files("/ipc/messages").Length);
    }

    [Fact]
    public async Task A_valid_create_writes_the_schedule_request()
    {
        var result = await _root.BuiltIns().Call("schedule_task", """{"name":"hb","action":"create","schedule":"*/5 * * * *","task":"check the cluster"}""");

        Assert.Equal(("Schedule 'hb' created with cron '*/5 * * * *'. The task will run automatically on this interval.", false), (result.Text, result.IsError));
        Assert.Equal("""{"name":"hb","action":"create","schedule":"*/5 * * * *","task":"check the cluster"}""", OnlyFile("/ipc/schedules", "schedule-"));
    }

    [Theory]
    [InlineData("""{"name":"hb","action":"suspend"}""", "Schedule 'hb' suspended. It will not fire until resumed.", """{"name":"hb","action":"suspend"}""")]
    [InlineData("""{"name":"hb","action":"resume"}""", "Schedule 'hb' resumed. Next run will fire according to the cron expression.", """{"name":"hb","action":"resume"}""")]
    [InlineData("""{"name":"hb","action":"delete"}""", "Schedule 'hb' deleted.", """{"name":"hb","action":"delete"}""")]
    [InlineData("""{"name":"hb","action":"update","schedule":"0 9 * * 1-5","task":"t"}""", "Schedule 'hb' updated: schedule='0 9 * * 1-5', task updated", """{"name":"hb","action":"update","schedule":"0 9 * * 1-5","task":"t"}""")]
    [InlineData("""{"name":"hb","action":"update","task":"t"}""", "Schedule 'hb' updated: task updated", """{"name":"hb","action":"update","task":"t"}""")]
    public async Task Other_actions_write_what_they_change(string arguments, string text, string file)
    {
        var result = await _root.BuiltIns().Call("schedule_task", arguments);

        Assert.Equal((text, false), (result.Text, result.IsError));
        Assert.Equal(file, OnlyFile("/ipc/schedules", "schedule-"));
    }

    [Theory]
    [InlineData("""{"name":"hb","action":"create","task":"t"}""", "Error: 'schedule' is required for create (cron expression, e.g. '0 */3 * * *')")]
    [InlineData("""{"name":"hb","action":"create","schedule":"* * * * *"}""", "Error: 'task' is required for create — what should the agent do each time?")]
    [InlineData("""{"name":"hb","action":"update"}""", "Error: 'schedule' and/or 'task' required for update — provide what you want to change")]
    [InlineData("""{"name":"hb","action":"pause"}""", "Error: unknown action 'pause' — use create, update, suspend, resume, or delete")]
    [InlineData("""{"action":"delete"}""", "Error: 'name' is required — a short unique name for this schedule")]
    [InlineData("""{"name":"hb"}""", "Error: 'action' is required (create, update, suspend, resume, delete)")]
    public async Task Missing_or_unknown_fields_are_refused_as_upstream(string arguments, string error)
    {
        var result = await _root.BuiltIns().Call("schedule_task", arguments);

        Assert.Equal((error, true), (result.Text, result.IsError));
        Assert.Empty(_root.Files("/ipc/schedules"));
    }

    [Theory]
    [InlineData("*/5 * * *")]
    [InlineData("61 * * * *")]
    [InlineData("@hourly")]
    [InlineData("every five minutes")]
    public async Task An_invalid_cron_expression_is_refused_before_anything_is_written(string schedule)
    {
        var result = await _root.BuiltIns().Call("schedule_task", $$"""{"name":"hb","action":"create","schedule":"{{schedule}}","task":"t"}""");

        Assert.True(result.IsError);
        Assert.StartsWith("Error: invalid cron schedule: ", result.Text, StringComparison.Ordinal);
        Assert.Empty(_root.Files("/ipc/schedules"));
    }

    [Fact]
    public async Task A_schedule_name_that_cannot_name_a_resource_is_refused()
    {
        var result = await _root.BuiltIns().Call("schedule_task", """{"name":"Daily Report","action":"delete"}""");

        Assert.True(result.IsError);
        Assert.StartsWith("Error: invalid schedule name: ", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delegation_needs_a_persona_pack()
    {
        var result = await _root.BuiltIns(ToolTestRoot.FastOptions with { PersonaPackName = null })
            .Call("delegate_to_persona", """{"targetPersona":"writer","task":"draft the post"}""");

        Assert.True(result.IsError);
        Assert.Contains("PERSONA_PACK_NAME environment variable is not set", result.Text, StringComparison.Ordinal);
        Assert.Empty(_root.Files("/ipc/spawn"));
    }

    [Fact]
    public async Task Delegation_writes_a_spawn_request_for_the_default_agent()
    {
        var result = await _root.BuiltIns(ToolTestRoot.FastOptions with { PersonaPackName = "blog-team" })
            .Call("delegate_to_persona", """{"targetPersona":"writer","task":"draft the post"}""");

        Assert.False(result.IsError);
        Assert.StartsWith("Delegation sent: persona 'writer' in pack 'blog-team'", result.Text, StringComparison.Ordinal);
        Assert.Equal("""{"task":"draft the post","agentId":"default","targetPersona":"writer","packName":"blog-team"}""", OnlyFile("/ipc/spawn", "request-"));
    }

    [Fact]
    public void The_built_ins_are_registered_with_their_upstream_names_and_schemas()
    {
        var registry = _root.BuiltIns();

        Assert.Equal(BuiltInTools.Names, registry.Definitions.Select(d => d.Name));
        Assert.All(registry.Definitions, d => Assert.Equal("object", (string?)d.Parameters["type"]));
        Assert.Equal("""["command"]""", registry.Definitions[0].Parameters["required"]!.ToJsonString());
    }
}
