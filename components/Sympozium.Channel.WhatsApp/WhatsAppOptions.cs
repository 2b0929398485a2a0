using System.Text;
using Sympozium.Channels;

namespace Sympozium.Channel.WhatsApp;

/// <summary>The WhatsApp Cloud API settings of a channel pod, from the channel Secret. Never prints a token or the secret.</summary>
public sealed record WhatsAppOptions
{
    public const string AccessTokenVariable = "WHATSAPP_ACCESS_TOKEN";
    public const string PhoneNumberIdVariable = "WHATSAPP_PHONE_NUMBER_ID";
    public const string VerifyTokenVariable = "WHATSAPP_VERIFY_TOKEN";
    public const string AppSecretVariable = "WHATSAPP_APP_SECRET";
    public const string ApiUrlVariable = "WHATSAPP_API_URL";
    public const string WebhookPortVariable = "WHATSAPP_WEBHOOK_PORT";
    public const string DefaultApiUrl = "https://graph.facebook.com/v21.0";
    public const int DefaultWebhookPort = 3000;

    private const string FromSecret = "the channel Secret (channels[].configRef.secret)";

    /// <summary>A system-user access token with whatsapp_business_messaging (env WHATSAPP_ACCESS_TOKEN, required).</summary>
    public required string AccessToken { get; init; }

    /// <summary>The business phone number's id (env WHATSAPP_PHONE_NUMBER_ID, required): replies are sent from it, and only its messages are published.</summary>
    public required string PhoneNumberId { get; init; }

    /// <summary>The token Meta echoes when the webhook is configured (env WHATSAPP_VERIFY_TOKEN, required).</summary>
    public required string VerifyToken { get; init; }

    /// <summary>The app secret that signs webhook POSTs (env WHATSAPP_APP_SECRET, required: unsigned requests are never accepted).</summary>
    public required string AppSecret { get; init; }

    /// <summary>Graph API root, version included (default: https://graph.facebook.com/v21.0, env WHATSAPP_API_URL).</summary>
    public string ApiUrl { get; init; } = DefaultApiUrl;

    /// <summary>Port of <c>/webhook</c> (default: 3000, env WHATSAPP_WEBHOOK_PORT).</summary>
    public int WebhookPort { get; init; } = DefaultWebhookPort;

    public static WhatsAppOptions FromEnvironment(EnvironmentReader environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var phone = environment.Required(PhoneNumberIdVariable, FromSecret + ", the phone number id from WhatsApp Manager (API Setup)");
        if (!phone.All(char.IsAsciiDigit))
        {
            throw new ChannelConfigurationException($"{PhoneNumberIdVariable}='{phone}' is not a phone number id: use the numeric id from WhatsApp Manager, not the phone number.");
        }

        return new WhatsAppOptions
        {
            AccessToken = environment.Required(AccessTokenVariable, FromSecret + ", a system-user token with whatsapp_business_messaging"),
            PhoneNumberId = phone,
            VerifyToken = environment.Required(VerifyTokenVariable, FromSecret + ", the verify token entered in the app's webhook settings"),
            AppSecret = environment.Required(AppSecretVariable, FromSecret + ", the app secret (App settings → Basic)"),
            ApiUrl = environment.Url(ApiUrlVariable, DefaultApiUrl),
            WebhookPort = environment.Port(WebhookPortVariable, DefaultWebhookPort),
        };
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("PhoneNumberId = ").Append(PhoneNumberId)
            .Append(", ApiUrl = ").Append(ApiUrl)
            .Append(", WebhookPort = ").Append(WebhookPort);
        return true;
    }
}
