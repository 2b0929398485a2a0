using System.Text.Json.Serialization;

namespace Sympozium.Channel.WhatsApp;

// The subset of the Cloud API's webhook and Graph JSON this pod reads and writes
// (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).

/// <summary>A webhook POST: <c>{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{…}}]}]}</c>.</summary>
internal sealed record WebhookBody
{
    public string? Object { get; init; }

    public List<WebhookEntry>? Entry { get; init; }
}

internal sealed record WebhookEntry
{
    public string? Id { get; init; }

    public List<WebhookChange>? Changes { get; init; }
}

internal sealed record WebhookChange
{
    public string? Field { get; init; }

    public WebhookValue? Value { get; init; }
}

internal sealed record WebhookValue
{
    public WebhookMetadata? Metadata { get; init; }

    public List<WebhookContact>? Contacts { get; init; }

    public List<WebhookMessage>? Messages { get; init; }
}

internal sealed record WebhookMetadata
{
    public string? DisplayPhoneNumber { get; init; }

    public string? PhoneNumberId { get; init; }
}

internal sealed record WebhookContact
{
    public string? WaId { get; init; }

    public ContactProfile? Profile { get; init; }
}

internal sealed record ContactProfile
{
    public string? Name { get; init; }
}

internal sealed record WebhookMessage
{
    public string? From { get; init; }

    public string? Id { get; init; }

    /// <summary>Unix seconds, as a string.</summary>
    public string? Timestamp { get; init; }

    public string? Type { get; init; }

    public TextBody? Text { get; init; }
}

internal sealed record TextBody
{
    public string? Body { get; init; }
}

/// <summary>The body of <c>POST /{phone-number-id}/messages</c> for a text message.</summary>
internal sealed record SendTextRequest
{
    public string MessagingProduct { get; init; } = "whatsapp";

    public required string To { get; init; }

    public string Type { get; init; } = "text";

    public required OutgoingText Text { get; init; }

    /// <summary>Quotes the message replied to.</summary>
    public ReplyContext? Context { get; init; }
}

internal sealed record OutgoingText(string Body);

internal sealed record ReplyContext(string MessageId);

/// <summary>A Graph error: <c>{"error":{"message":…,"code":…}}</c>.</summary>
internal sealed record GraphErrorBody
{
    public GraphError? Error { get; init; }
}

internal sealed record GraphError
{
    public string? Message { get; init; }

    public int? Code { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookBody))]
[JsonSerializable(typeof(SendTextRequest))]
[JsonSerializable(typeof(GraphErrorBody))]
[JsonSerializable(typeof(string))]
internal sealed partial class WhatsAppJsonContext : JsonSerializerContext;
