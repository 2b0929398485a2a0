using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

// ?watch=true (and the legacy /watch/ paths): newline-delimited {"type","object"} events.
// resourceVersion empty or "0" starts with synthetic ADDED events for what exists; a version
// is resumed from the retained window, or answered with an ERROR event holding a 410 Expired
// Status (HTTP 200, as the real server streams it). allowWatchBookmarks adds periodic BOOKMARK
// events; sendInitialEvents=true ends the initial ADDED events with the
// "k8s.io/initial-events-end" bookmark client-go's watch-list expects.
internal sealed partial class KubeApi
{
    private async Task WatchAsync(HttpContext context, ApiRequest request)
    {
        var http = context.Request;
        var options = ParseListOptions(http, request) with { Limit = 0, Continue = null };
        var rvText = http.Query["resourceVersion"].ToString();
        long fromRv = 0;
        if (rvText.Length > 0 && !long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out fromRv))
        {
            throw ApiException.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a non-negative integer");
        }

        var sendInitial = http.Query["sendInitialEvents"] == "true";
        if (sendInitial)
        {
            fromRv = 0;
        }

        var bookmarks = http.Query["allowWatchBookmarks"] == "true";
        var table = TableWriter.Wanted(http.Headers.Accept);
        var timeout = http.Query["timeoutSeconds"] is { Count: > 0 } t && int.TryParse(t[0], CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : _options.MaxWatchDuration;

        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = _store.Watch(request.StoreKey, fromRv, options);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.Gone)
        {
            var status = ApiException.Gone(e.Message).ToStatus();
            await WriteEventAsync(context, WatchEventTypes.Error, status).ConfigureAwait(false);
            return;
        }

        using (subscription)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            deadline.CancelAfter(timeout);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            var reader = subscription.Events;
            var initialCount = sendInitial ? subscription.InitialEvents : 0;
            var initialEndSent = !sendInitial;
            try
            {
                while (!deadline.IsCancellationRequested)
                {
                    if (!initialEndSent && initialCount == 0)
                    {
                        await WriteBookmarkAsync(context, request, _store.ResourceVersion, initialEnd: true).ConfigureAwait(false);
                        initialEndSent = true;
                    }

                    var rvBefore = _store.ResourceVersion;
                    if (reader.TryRead(out var e))
                    {
                        var obj = Stamp(request, e.Object.DeepClone().AsObject());
                        JsonObject payload = table
                            ? TableWriter.Table(request.Type, [obj], e.ResourceVersion, null, http.Query["includeObject"] == "Object", _time.GetUtcNow())
                            : obj;
                        await WriteEventAsync(context, e.Type, payload).ConfigureAwait(false);
                        initialCount--;
                        continue;
                    }

                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                    if (bookmarks)
                    {
                        wait.CancelAfter(_options.BookmarkInterval);
                    }

                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        {
                            return; // the store is shutting down
                        }
                    }
                    catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                    {
                        // Nothing happened for a bookmark interval: everything up to rvBefore was sent.
                        await WriteBookmarkAsync(context, request, rvBefore, initialEnd: false).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                // timeoutSeconds reached or the client left: end the stream.
            }
        }
    }

    private static Task WriteBookmarkAsync(HttpContext context, ApiRequest request, long resourceVersion, bool initialEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (initialEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var obj = new JsonObject
        {
            ["kind"] = request.Type.Kind,
            ["apiVersion"] = request.Type.Key.ApiVersion,
            ["metadata"] = metadata,
        };
        return WriteEventAsync(context, WatchEventTypes.Bookmark, obj);
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject obj)
    {
        var line = System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n");
        await context.Response.Body.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
