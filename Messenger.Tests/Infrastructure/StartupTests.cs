using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

public sealed class StartupTests
{
    [Test]
    public void Production_without_a_signing_key_refuses_to_start_naming_the_setting()
    {
        var settings = TestSettings();
        settings.Remove("Jwt:SigningKey");

        AssertRefusesToStartNamingTheKey(settings);
    }

    [Test]
    public void Production_with_a_signing_key_under_32_bytes_refuses_to_start_naming_the_setting()
    {
        var settings = TestSettings();
        settings["Jwt:SigningKey"] = "0123456789";

        AssertRefusesToStartNamingTheKey(settings);
    }

    [TestCase("Production")]
    [TestCase("Staging")]
    public void Outside_development_the_development_signing_key_refuses_to_start_naming_the_setting(string environment)
    {
        var settings = TestSettings();
        settings["Jwt:SigningKey"] = "development-only-signing-key-not-for-production-use";

        var e = AssertRefusesToStartNamingTheKey(settings, environment);
        Assert.That(e.ToString(), Does.Contain("development key"));
    }

    [Test]
    public void Development_starts_with_the_development_signing_key()
    {
        var settings = TestSettings();
        settings.Remove("Jwt:SigningKey");
        using var factory = new MessengerFactory(settings, "Development");

        Assert.DoesNotThrow(() => factory.StartServer());
    }

    [TestCase("KnownProxies:0", "not-an-address")]
    [TestCase("KnownNetworks:0", "10.0.0.0/99")]
    public void A_forwarded_headers_entry_that_does_not_parse_refuses_to_start_naming_it(string key, string value)
    {
        var settings = TestSettings();
        settings["ForwardedHeaders:" + key] = value;
        using var factory = new MessengerFactory(settings, "Production");

        var e = Assert.Catch(() => factory.StartServer());
        Assert.That(e!.ToString(), Does.Contain("ForwardedHeaders:" + key.Split(':')[0]).And.Contain(value));
    }

    private static Exception AssertRefusesToStartNamingTheKey(Dictionary<string, string?> settings, string environment = "Production")
    {
        using var factory = new MessengerFactory(settings, environment);

        var e = Assert.Catch(() => factory.StartServer());
        // The host may wrap the startup failure; the operator reads the whole chain.
        Assert.That(e!.ToString(), Does.Contain("Jwt:SigningKey"));
        return e;
    }
}
