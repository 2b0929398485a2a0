using Sympozium.LocalCluster.Http;

namespace Sympozium.LocalCluster.Tests;

/// <summary>The protobuf TokenRequest client-go's typed clientset sends (kubectl create token).</summary>
public sealed class ProtobufTokenRequestTests
{
    // Captured from `kubectl create token sa1 -n ns1 --duration 15m --audience aud1
    // --bound-object-kind Pod --bound-object-name p1 --bound-object-uid u1` (kubectl 1.32).
    private const string KubectlBody =
        "6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412360a100a0012001a0022002a00320038004200121c0a04617564311a110a03506f64120276311a027031220275312084071a040a0012001a002200";

    [Fact]
    public void Kubectls_protobuf_token_request_decodes_to_its_json_form()
    {
        var request = ProtobufTokenRequest.Decode(Convert.FromHexString(KubectlBody));

        Assert.Equal("authentication.k8s.io/v1", request["apiVersion"]!.GetValue<string>());
        Assert.Equal("TokenRequest", request["kind"]!.GetValue<string>());
        Assert.Equal(["aud1"], request["spec"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(900, request["spec"]!["expirationSeconds"]!.GetValue<long>());
        Assert.Equal("""{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"u1"}""", request["spec"]!["boundObjectRef"]!.ToJsonString());
    }

    [Fact]
    public void A_body_without_the_k8s_envelope_or_cut_short_is_a_format_error()
    {
        var body = Convert.FromHexString(KubectlBody);

        Assert.Throws<FormatException>(() => ProtobufTokenRequest.Decode("{}"u8));
        Assert.Throws<FormatException>(() => ProtobufTokenRequest.Decode(body.AsSpan(0, 30)));
    }
}
