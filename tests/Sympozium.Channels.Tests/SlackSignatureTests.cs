using System.Text;
using Sympozium.Channel.Slack;

namespace Sympozium.Channels.Tests;

public sealed class SlackSignatureTests
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_531_420_618);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c");

    [Fact]
    public void Slacks_documented_example_signature_is_valid()
    {
        // The worked example of api.slack.com/authentication/verifying-requests-from-slack.
        const string signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

        Assert.Equal(signature, SlackSignature.Sign(Secret, "1531420618", Body));
        Assert.Equal(SignatureCheck.Valid, SlackSignature.Verify(Secret, "1531420618", signature, Body, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Changed_body_wrong_secret_stale_timestamp_and_missing_headers_are_rejected()
    {
        var signature = SlackSignature.Sign(Secret, "1531420618", Body);
        var tampered = (byte[])Body.Clone();
        tampered[0] ^= 1;

        Assert.Equal(SignatureCheck.Mismatch, SlackSignature.Verify(Secret, "1531420618", signature, tampered, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Mismatch, SlackSignature.Verify("other", "1531420618", signature, Body, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Mismatch, SlackSignature.Verify(Secret, "1531420618", "v0=zz", Body, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Stale, SlackSignature.Verify(Secret, "1531420618", signature, Body, Now.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Missing, SlackSignature.Verify(Secret, null, signature, Body, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Missing, SlackSignature.Verify(Secret, "1531420618", null, Body, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Missing, SlackSignature.Verify(Secret, "1531420618", "v1=" + signature[3..], Body, Now, TimeSpan.FromMinutes(5)));
    }
}
