using System.Security.Cryptography;
using System.Text;
using SecureMqtt.Authentication;
using SecureMqtt.Testing;

namespace SecureMqtt.Tests.Authentication;

public class ScramAuthenticatorTests
{
    // RFC 7677 section 3: the SCRAM-SHA-256 example exchange.
    private const string RfcClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string RfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string RfcSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string RfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string RfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string RfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string RfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    [Fact]
    public async Task Reproduces_the_RFC_7677_SCRAM_SHA_256_example_exchange()
    {
        using var authenticator = new MqttScramAuthenticator(MqttScramAlgorithm.Sha256, "user", "pencil", () => RfcClientNonce);
        using var exchange = authenticator.CreateExchange();

        var clientFirst = await exchange.GetInitialDataAsync();
        var clientFinal = await exchange.ContinueAsync(Ascii(RfcServerFirst));
        await exchange.CompleteAsync(Ascii(RfcServerFinal));

        Assert.Equal("SCRAM-SHA-256", authenticator.Method);
        Assert.Equal(RfcClientFirst, Text(clientFirst));
        Assert.Equal(RfcClientFinal, Text(clientFinal.Data));
    }

    [Fact]
    public void The_test_server_reproduces_the_RFC_7677_example_from_its_side()
    {
        // The peer the client is tested against must itself agree with the RFC, or a round trip proves nothing.
        var server = new ScramServer(HashAlgorithmName.SHA256, "user", "pencil", Convert.FromBase64String(RfcSalt), 4096, RfcServerNonce);

        Assert.Equal(RfcServerFirst, server.ServerFirst(RfcClientFirst));
        Assert.Equal(RfcServerFinal, server.ServerFinal(RfcClientFinal));
    }

    [Fact]
    public async Task A_wrong_server_signature_fails_with_an_authentication_exception()
    {
        using var authenticator = new MqttScramAuthenticator(MqttScramAlgorithm.Sha256, "user", "pencil", () => RfcClientNonce);
        using var exchange = authenticator.CreateExchange();
        await exchange.GetInitialDataAsync();
        await exchange.ContinueAsync(Ascii(RfcServerFirst));
        var signature = Convert.FromBase64String(RfcServerFinal[2..]);
        signature[^1] ^= 0x80;

        var ex = await Assert.ThrowsAsync<MqttAuthenticationException>(() => exchange.CompleteAsync(Ascii("v=" + Convert.ToBase64String(signature))).AsTask());

        Assert.Contains("signature is wrong", ex.Message, StringComparison.Ordinal);
        Assert.Equal("SCRAM-SHA-256", ex.Method);
        Assert.False(ex.IsTransient);
        Assert.IsAssignableFrom<MqttException>(ex);
    }

    [Theory]
    [InlineData(null, "without a server-final message")]
    [InlineData("e=invalid-proof", "SCRAM error 'invalid-proof'")]
    [InlineData("v=not base64!", "not valid base64")]
    [InlineData("x", "not of the form a=value")]
    [InlineData("r=abc", "no v= (server signature)")]
    public async Task A_missing_or_malformed_server_final_fails_clearly(string? serverFinal, string expected)
    {
        using var exchange = await StartedRfcExchangeAsync();
        await exchange.ContinueAsync(Ascii(RfcServerFirst));

        var ex = await Assert.ThrowsAsync<MqttAuthenticationException>(() => exchange.CompleteAsync(serverFinal is null ? (ReadOnlyMemory<byte>?)null : Ascii(serverFinal)).AsTask());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "no r= (nonce)")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "does not extend the client's nonce")]
    [InlineData("r=somebodyElsesNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "does not extend the client's nonce")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,i=4096", "no s= (salt)")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==", "no i= (iteration count)")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", "is not a positive decimal number")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1", "is not a positive decimal number")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001", "above the limit of 10,000,000")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999", "above the limit of 10,000,000")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=***,i=4096", "salt in the server-first message is not valid base64")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096", "empty salt")]
    [InlineData("e=other-error", "SCRAM error 'other-error'")]
    [InlineData("m=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "mandatory SCRAM extension")]
    public async Task A_malformed_server_first_fails_clearly(string serverFirst, string expected)
    {
        using var exchange = await StartedRfcExchangeAsync();

        var ex = await Assert.ThrowsAsync<MqttAuthenticationException>(() => exchange.ContinueAsync(Ascii(serverFirst)).AsTask());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("SCRAM-SHA-256 authentication failed: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_UTF8_and_an_absent_challenge_fail_clearly()
    {
        using var first = await StartedRfcExchangeAsync();
        using var second = await StartedRfcExchangeAsync();

        var utf8 = await Assert.ThrowsAsync<MqttAuthenticationException>(() => first.ContinueAsync(new byte[] { 0x72, 0x3D, 0xC3, 0x28 }).AsTask());
        var none = await Assert.ThrowsAsync<MqttAuthenticationException>(() => second.ContinueAsync(null).AsTask());

        Assert.Contains("not valid UTF-8", utf8.Message, StringComparison.Ordinal);
        Assert.Contains("carries no Authentication Data", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_challenge_or_a_success_before_the_challenge_is_refused()
    {
        using var twice = await StartedRfcExchangeAsync();
        await twice.ContinueAsync(Ascii(RfcServerFirst));
        using var early = await StartedRfcExchangeAsync();

        var second = await Assert.ThrowsAsync<MqttAuthenticationException>(() => twice.ContinueAsync(Ascii(RfcServerFirst)).AsTask());
        var premature = await Assert.ThrowsAsync<MqttAuthenticationException>(() => early.CompleteAsync(Ascii(RfcServerFinal)).AsTask());

        Assert.Contains("second AUTH challenge", second.Message, StringComparison.Ordinal);
        Assert.Contains("never proved it knows the password", premature.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_exchange_starts_fresh_with_its_own_nonce()
    {
        using var authenticator = MqttScramAuthenticator.Sha256("user", "pencil");
        using var one = authenticator.CreateExchange();
        using var two = authenticator.CreateExchange();

        var first = Text(await one.GetInitialDataAsync());
        var second = Text(await two.GetInitialDataAsync());

        Assert.StartsWith("n,,n=user,r=", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        await Assert.ThrowsAsync<InvalidOperationException>(() => one.GetInitialDataAsync().AsTask());
    }

    [Fact]
    public async Task Escapes_comma_and_equals_in_the_user_name()
    {
        using var authenticator = new MqttScramAuthenticator(MqttScramAlgorithm.Sha512, "a,b=c", "pw", () => "nonce");
        using var exchange = authenticator.CreateExchange();

        Assert.Equal("n,,n=a=2Cb=3Dc,r=nonce", Text(await exchange.GetInitialDataAsync()));
    }

    [Theory]
    [InlineData("us\u00e9r", "pencil", "userName", "beyond ASCII")]
    [InlineData("user", "p\u00e9ncil", "password", "beyond ASCII")]
    [InlineData("us\ter", "pencil", "userName", "control character")]
    [InlineData("", "pencil", "userName", "non-empty")]
    public void Refuses_names_and_passwords_it_cannot_SASLprep(string userName, string password, string parameter, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => MqttScramAuthenticator.Sha256(userName, password));

        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_authenticator_starts_no_exchange_and_never_shows_the_password()
    {
        var authenticator = MqttScramAuthenticator.Sha512("user", "secret-password");
        authenticator.Dispose();

        Assert.True(authenticator.IsDisposed);
        Assert.Throws<ObjectDisposedException>(authenticator.CreateExchange);
        Assert.DoesNotContain("secret", authenticator.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MqttScramAlgorithm.Sha256, "SCRAM-SHA-256")]
    [InlineData(MqttScramAlgorithm.Sha512, "SCRAM-SHA-512")]
    public async Task Completes_a_round_trip_against_the_server_side_of_SCRAM(MqttScramAlgorithm algorithm, string method)
    {
        var hash = algorithm == MqttScramAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;
        var server = new ScramServer(hash, "alice,=x", "correct horse", RandomNumberGenerator.GetBytes(16), 4096);
        using var authenticator = new MqttScramAuthenticator(algorithm, "alice,=x", "correct horse");
        using var exchange = authenticator.CreateExchange();

        var serverFirst = server.ServerFirst(Text(await exchange.GetInitialDataAsync()));
        var clientFinal = await exchange.ContinueAsync(Ascii(serverFirst));
        var serverFinal = server.ServerFinal(Text(clientFinal.Data));
        await exchange.CompleteAsync(Ascii(serverFinal));

        Assert.Equal(method, authenticator.Method);
        Assert.Equal(method, server.Method);
        Assert.Equal(algorithm == MqttScramAlgorithm.Sha256 ? 32 : 64, Convert.FromBase64String(serverFinal[2..]).Length);
    }

    [Fact]
    public async Task The_server_side_refuses_a_wrong_password()
    {
        var server = new ScramServer(HashAlgorithmName.SHA512, "alice", "correct horse", RandomNumberGenerator.GetBytes(16), 4096);
        using var authenticator = MqttScramAuthenticator.Sha512("alice", "wrong horse");
        using var exchange = authenticator.CreateExchange();

        var serverFirst = server.ServerFirst(Text(await exchange.GetInitialDataAsync()));
        var clientFinal = await exchange.ContinueAsync(Ascii(serverFirst));
        var ex = Assert.Throws<ScramServerException>(() => server.ServerFinal(Text(clientFinal.Data)));

        Assert.Equal("invalid-proof", ex.Error);
    }

    private static async Task<IMqttAuthenticationExchange> StartedRfcExchangeAsync()
    {
        using var authenticator = new MqttScramAuthenticator(MqttScramAlgorithm.Sha256, "user", "pencil", () => RfcClientNonce);
        var exchange = authenticator.CreateExchange();
        await exchange.GetInitialDataAsync();
        return exchange;
    }

    private static ReadOnlyMemory<byte> Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte>? data) => Encoding.ASCII.GetString(Assert.NotNull(data).Span);
}
