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

    private static void AssertRefusesToStartNamingTheKey(Dictionary<string, string?> settings)
    {
        using var factory = new MessengerFactory(settings, "Production");

        var e = Assert.Catch(() => factory.StartServer());
        // The host may wrap the startup failure; the operator reads the whole chain.
        Assert.That(e!.ToString(), Does.Contain("Jwt:SigningKey"));
    }
}
