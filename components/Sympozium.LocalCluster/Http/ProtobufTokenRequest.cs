using System.Text;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Http;

/// <summary>
/// Reads the one protobuf body the local cluster must understand: the TokenRequest that
/// client-go's typed clientset (so `kubectl create token`) posts as
/// application/vnd.kubernetes.protobuf. The envelope is "k8s\0" + runtime.Unknown
/// {1: typeMeta {1: apiVersion, 2: kind}, 2: raw}; raw is authentication.k8s.io/v1 TokenRequest
/// {2: spec {1: audiences (repeated), 3: boundObjectRef {1: kind, 2: apiVersion, 3: name, 4: uid}, 4: expirationSeconds}}.
/// Answers stay JSON (clients accept it alongside protobuf).
/// </summary>
internal static class ProtobufTokenRequest
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>The request as the JSON TokenRequest it stands for; <see cref="FormatException"/> when it is not one.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw new FormatException("the protobuf body does not start with the k8s envelope");
        }

        string? apiVersion = null;
        string? kind = null;
        var raw = ReadOnlySpan<byte>.Empty;
        foreach (var (field, value, _) in Fields(body[Magic.Length..]))
        {
            if (field == 1)
            {
                foreach (var (f, v, _) in Fields(value))
                {
                    (apiVersion, kind) = f == 1 ? (Encoding.UTF8.GetString(v), kind) : f == 2 ? (apiVersion, Encoding.UTF8.GetString(v)) : (apiVersion, kind);
                }
            }
            else if (field == 2)
            {
                raw = value;
            }
        }

        var spec = new JsonObject();
        var audiences = new JsonArray();
        foreach (var (field, value, _) in Fields(raw))
        {
            if (field != 2)
            {
                continue;
            }

            foreach (var (f, v, number) in Fields(value))
            {
                switch (f)
                {
                    case 1:
                        audiences.Add((JsonNode)Encoding.UTF8.GetString(v));
                        break;
                    case 3:
                        var reference = new JsonObject();
                        foreach (var (rf, rv, _) in Fields(v))
                        {
                            var name = rf switch { 1 => "kind", 2 => "apiVersion", 3 => "name", 4 => "uid", _ => null };
                            if (name is not null)
                            {
                                reference[name] = Encoding.UTF8.GetString(rv);
                            }
                        }

                        spec["boundObjectRef"] = reference;
                        break;
                    case 4:
                        spec["expirationSeconds"] = (long)number;
                        break;
                }
            }
        }

        spec["audiences"] = audiences;
        return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["spec"] = spec };
    }

    /// <summary>The fields of a message: number, bytes (length-delimited) or value (varint); other wire types are skipped.</summary>
    private static List<(int Field, byte[] Bytes, ulong Number)> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<(int, byte[], ulong)>();
        var i = 0;
        while (i < message.Length)
        {
            var key = Varint(message, ref i);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    fields.Add((field, [], Varint(message, ref i)));
                    break;
                case 1:
                    i += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref i);
                    if (length < 0 || i + length > message.Length)
                    {
                        throw new FormatException("a protobuf field runs past the end of its message");
                    }

                    fields.Add((field, message.Slice(i, length).ToArray(), 0));
                    i += length;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw new FormatException($"unsupported protobuf wire type {key & 7}");
            }
        }

        return fields;
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (i >= data.Length)
            {
                throw new FormatException("a protobuf varint runs past the end of its message");
            }

            var b = data[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("a protobuf varint is longer than 64 bits");
    }
}
