using System.Security.Cryptography;
using System.Text;
using Sympozium.Api.Messages;

namespace Sympozium.Api.Tests.Messages;

/// <summary>The managed SHA-256 the runner digests its markers with must agree with the platform's, byte for byte.</summary>
public sealed class Sha256HexTests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Known_answers_from_FIPS_180_4_match(string text, string expected) =>
        Assert.Equal(expected, Sha256Hex.Of(text));

    [Fact]
    public void Every_length_across_block_and_padding_boundaries_matches_the_platform_SHA_256()
    {
        var random = new Random(1234);
        for (var length = 0; length <= 300; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), Sha256Hex.Of(bytes));
        }
    }

    [Fact]
    public void Non_ASCII_text_is_digested_as_UTF_8_like_the_termination_message_always_was()
    {
        var text = "résumé 🚀 __SYMPOZIUM_RESULT__ 日本語\n" + new string('x', 5000);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), AgentTerminationMessage.Digest(text));
    }
}
