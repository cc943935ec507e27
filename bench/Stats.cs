using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Messenger.Bench;

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    public static string Summary(IEnumerable<double> samples, bool withTail = false)
    {
        var sorted = samples.Order().ToList();
        if (sorted.Count == 0) return "no samples";
        var tail = withTail ? $", p99.9 {Percentile(sorted, 0.999):0.00} ms" : "";
        return $"mean {sorted.Average():0.00} ms, p50 {Percentile(sorted, 0.5):0.00} ms, p99 {Percentile(sorted, 0.99):0.00} ms{tail}, " +
               $"max {sorted[^1]:0.00} ms (n={sorted.Count})";
    }
}

/// <summary>Just enough of the API to arrange a benchmark through the service itself.</summary>
public sealed class Api(string baseUrl)
{
    public HttpClient Http { get; } = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };

    public sealed record User(long Id, string AccessToken);

    private sealed record AuthResponse(string AccessToken, Profile User);
    private sealed record Profile(long Id);
    private sealed record Created(long Id);

    public async Task<User> RegisterAsync(string username)
    {
        var response = await Http.PostAsJsonAsync("/auth/register", new { username, email = $"{username}@bench.example", password = "bench-password-1" });
        response.EnsureSuccessStatusCode();
        var auth = (await response.Content.ReadFromJsonAsync<AuthResponse>())!;
        return new User(auth.User.Id, auth.AccessToken);
    }

    public async Task<long> PostAsync(User user, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Content.Headers.ContentLength == 0 ? 0 : (await response.Content.ReadFromJsonAsync<Created>())?.Id ?? 0;
    }

    public async Task<HttpResponseMessage> GetAsync(User user, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        return await Http.SendAsync(request);
    }
}
