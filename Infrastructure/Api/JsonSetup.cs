using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messenger.Infrastructure.Api;

public static class JsonSetup
{
    public static IServiceCollection AddApiJson(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        return services;
    }

    /// <summary>Shared by HTTP and (later) the SignalR JSON protocol so both write the same shapes.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new UtcMillisecondsConverter());
        options.NumberHandling = JsonNumberHandling.Strict;
    }

    /// <summary>The contract: ISO-8601 UTC with exactly three fractional digits, e.g. 2026-11-25T21:04:05.123Z.</summary>
    private sealed class UtcMillisecondsConverter : JsonConverter<DateTime>
    {
        private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTime().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString(Format, CultureInfo.InvariantCulture));
    }
}
