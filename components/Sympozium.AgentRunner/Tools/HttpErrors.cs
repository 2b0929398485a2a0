using System.Net.Sockets;

namespace Sympozium.AgentRunner.Tools;

/// <summary>
/// Words for an HTTP transport failure. The framework's own messages are resource keys in the
/// edge build (UseSystemResourceKeys), so the common cases are spelled out here.
/// </summary>
internal static class HttpErrors
{
    public static string Describe(HttpRequestException error, Uri uri)
    {
        var socket = FindSocketError(error);
        return error.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"could not resolve host {uri.Host}",
            HttpRequestError.ConnectionError => $"could not connect to {uri.Host}:{uri.Port}{(socket is null ? "" : $" ({socket.Message})")}",
            HttpRequestError.SecureConnectionError => $"TLS handshake with {uri.Host} failed",
            HttpRequestError.ResponseEnded => "the server closed the connection before answering",
            HttpRequestError.InvalidResponse => "the server sent an invalid HTTP response",
            HttpRequestError.ConfigurationLimitExceeded => "the response headers are too large",
            _ => socket?.Message ?? error.Message,
        };
    }

    private static SocketException? FindSocketError(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }
}
