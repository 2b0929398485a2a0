using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>
/// An image map entry's <c>pull</c> command stands in for a registry pull: it runs once when the
/// entrypoint does not exist, pods of that image wait for it, and a failed pull is ErrImagePull.
/// </summary>
public sealed class ImagePullTests : IAsyncLifetime
{
    private readonly string _directory = LocalClusterFixture.NewDirectory();
    private LocalClusterServer? _server;

    private LocalClusterServer Server => _server!;

    private string Bin => Path.Combine(_directory, "bin");

    public async Task InitializeAsync()
    {
        var images = Path.Combine(_directory, "images.yaml");
        await File.WriteAllTextAsync(images, $$"""
            example.com/pulled:
              command: {{Bin}}/hello
              pull: [sh, -c, "echo pulling >> {{_directory}}/pulls; sleep 1; mkdir -p {{Bin}}; printf '#!/bin/sh\\necho ran the pulled entrypoint\\n' > {{Bin}}/hello; chmod +x {{Bin}}/hello"]
            example.com/broken:
              command: {{Bin}}/never
              pull: [sh, -c, "echo no such registry >&2; exit 3"]
            example.com/script:
              command: sh
              args: [{{Bin}}/script.sh]
              pull: [sh, -c, "mkdir -p {{Bin}}; echo 'echo ran the pulled script' > {{Bin}}/script.sh"]
              pulled: {{Bin}}/script.sh
            example.com/empty:
              command: {{Bin}}/missing
              pull: ["true"]
            """);
        _server = await LocalClusterFixture.StartAsync(Path.Combine(_directory, "cluster"), o => o with { ImagesFile = images });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        LocalClusterFixture.TryDelete(_directory);
    }

    [Fact]
    public async Task Two_pods_of_an_image_not_yet_there_share_one_pull_and_then_run_its_entrypoint()
    {
        Server.Create(Pods.Pod("first", new JsonObject { ["name"] = "main", ["image"] = "example.com/pulled:dev" }));
        Server.Create(Pods.Pod("second", new JsonObject { ["name"] = "main", ["image"] = "example.com/pulled:dev" }));

        var waiting = await Server.WaitAsync("first", p => p.Status("main")?["state"]?["waiting"]?["reason"]?.ToString() == "ContainerCreating"
            && p.Status("main")!["state"]!["waiting"]!["message"]?.ToString().Contains("pulling image", StringComparison.Ordinal) == true);
        Assert.Contains("example.com/pulled:dev", waiting.Status("main")!["state"]!["waiting"]!["message"]!.ToString(), StringComparison.Ordinal);

        await Server.WaitPhaseAsync("first", "Succeeded");
        await Server.WaitPhaseAsync("second", "Succeeded");
        Assert.Equal("ran the pulled entrypoint\n", Server.Logs("first", "main"));
        Assert.Equal("ran the pulled entrypoint\n", Server.Logs("second", "main"));
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_directory, "pulls")));

        // Present now: a third pod does not pull again.
        Server.Create(Pods.Pod("third", new JsonObject { ["name"] = "main", ["image"] = "example.com/pulled:dev" }));
        await Server.WaitPhaseAsync("third", "Succeeded");
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_directory, "pulls")));
    }

    [Fact]
    public async Task An_image_whose_command_is_a_host_program_pulls_the_file_named_by_pulled()
    {
        Server.Create(Pods.Pod("script", new JsonObject { ["name"] = "main", ["image"] = "example.com/script:1" }));

        await Server.WaitPhaseAsync("script", "Succeeded");

        Assert.Equal("ran the pulled script\n", Server.Logs("script", "main"));
    }

    [Fact]
    public async Task A_failing_pull_is_ErrImagePull_naming_the_exit_code_and_the_pull_log()
    {
        Server.Create(Pods.Pod("broken", new JsonObject { ["name"] = "main", ["image"] = "example.com/broken:1" }));

        var pod = await Server.WaitPhaseAsync("broken", "Failed");

        var waiting = pod.Status("main")!["state"]!["waiting"]!;
        Assert.Equal("ErrImagePull", waiting["reason"]!.ToString());
        var message = waiting["message"]!.ToString();
        Assert.Contains("exited with 3", message, StringComparison.Ordinal);
        var log = message[(message.IndexOf("see ", StringComparison.Ordinal) + 4)..];
        Assert.Equal("no such registry\n", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task A_pull_that_succeeds_without_producing_the_entrypoint_is_ErrImagePull()
    {
        Server.Create(Pods.Pod("empty", new JsonObject { ["name"] = "main", ["image"] = "example.com/empty:1" }));

        var pod = await Server.WaitPhaseAsync("empty", "Failed");

        var waiting = pod.Status("main")!["state"]!["waiting"]!;
        Assert.Equal("ErrImagePull", waiting["reason"]!.ToString());
        Assert.Contains($"{Bin}/missing still does not exist", waiting["message"]!.ToString(), StringComparison.Ordinal);
    }
}
