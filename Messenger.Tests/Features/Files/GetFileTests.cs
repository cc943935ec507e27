using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Files;

public sealed class GetFileTests : StorageTestBase
{
    [Test]
    public async Task The_owner_gets_the_bytes_with_type_length_etag_and_an_attachment_disposition()
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(1000);
        var file = await UploadAsync(alice, bytes, "notes.txt", "text/plain; charset=UTF-8");

        var response = await alice.GetAsync(file.Url);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(1000));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        Assert.That(response.Headers.ETag!.IsWeak, Is.False);
        Assert.That(response.Headers.ETag.Tag, Does.StartWith("\"").And.EndWith("\""));
        Assert.That(response.Headers.AcceptRanges, Is.EquivalentTo(new[] { "bytes" }));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EquivalentTo(new[] { "nosniff" }));
        Assert.That(response.Content.Headers.GetValues("Content-Disposition").Single(),
            Is.EqualTo("attachment; filename=notes.txt; filename*=UTF-8''notes.txt"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [TestCase("image/png", "inline")]
    [TestCase("image/webp", "inline")]
    [TestCase("image/svg+xml", "attachment")]
    [TestCase("text/html", "attachment")]
    public async Task Raster_images_are_shown_inline_and_everything_else_downloads(string contentType, string disposition)
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, PngHeader, "picture", contentType);

        var response = await alice.GetAsync(file.Url);

        Assert.That(response.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo(disposition));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(contentType));
    }

    [Test]
    public async Task A_non_ascii_name_is_sent_as_rfc_6266_filename_star_with_an_ascii_fallback()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, [1, 2, 3], "Отчёт №1 (naïve).pdf", "application/pdf");

        var response = await alice.GetAsync(file.Url);

        var header = response.Content.Headers.GetValues("Content-Disposition").Single();
        Assert.That(header.All(char.IsAscii), Is.True, header);
        Assert.That(response.Content.Headers.ContentDisposition!.FileNameStar, Is.EqualTo("Отчёт №1 (naïve).pdf"));
        Assert.That(response.Content.Headers.ContentDisposition.FileName, Is.EqualTo("_____ _1 (na_ve).pdf"), "ASCII fallback");
    }

    [TestCase("bytes=0-9", 0, 10)]
    [TestCase("bytes=100-", 100, 900)]
    [TestCase("bytes=-5", 995, 5)]
    [TestCase("bytes=990-5000", 990, 10)]
    [TestCase("bytes=-5000", 0, 1000)]
    public async Task One_range_gives_partial_content(string range, int offset, int length)
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(1000);
        var file = await UploadAsync(alice, bytes);

        var response = await GetWithHeaderAsync(alice, file.Url, "Range", range);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(response.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {offset}-{offset + length - 1}/1000"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo(length));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes[offset..(offset + length)]));
    }

    [TestCase("bytes=1000-")]
    [TestCase("bytes=5000-6000")]
    [TestCase("bytes=-0")]
    public async Task A_range_outside_the_file_is_not_satisfiable(string range)
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(1000));

        var response = await GetWithHeaderAsync(alice, file.Url, "Range", range);

        await AssertProblemAsync(response, HttpStatusCode.RequestedRangeNotSatisfiable);
        Assert.That(response.Content.Headers.ContentRange?.ToString(), Is.EqualTo("bytes */1000"));
    }

    [TestCase("bytes=0-1,5-6")]
    [TestCase("bytes=9-3")]
    [TestCase("lines=1-2")]
    public async Task Several_or_unreadable_ranges_give_the_whole_file(string range)
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);

        var response = await GetWithHeaderAsync(alice, file.Url, "Range", range);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_range_for_a_stale_etag_in_if_range_gives_the_whole_file()
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(100);
        var file = await UploadAsync(alice, bytes);
        var etag = (await alice.GetAsync(file.Url)).Headers.ETag!.Tag;

        var current = new HttpRequestMessage(HttpMethod.Get, file.Url) { Headers = { { "Range", "bytes=0-9" }, { "If-Range", etag } } };
        var stale = new HttpRequestMessage(HttpMethod.Get, file.Url) { Headers = { { "Range", "bytes=0-9" }, { "If-Range", "\"old\"" } } };

        Assert.That((await alice.SendAsync(current)).StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        var whole = await alice.SendAsync(stale);
        Assert.That(whole.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await whole.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task The_current_etag_in_if_none_match_gives_not_modified()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(100));
        var etag = (await alice.GetAsync(file.Url)).Headers.ETag!.Tag;

        var cached = await GetWithHeaderAsync(alice, file.Url, "If-None-Match", $"\"other\", {etag}");
        var stale = await GetWithHeaderAsync(alice, file.Url, "If-None-Match", "\"other\"");

        Assert.That(cached.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(cached.Headers.ETag?.Tag, Is.EqualTo(etag));
        Assert.That(await cached.Content.ReadAsByteArrayAsync(), Is.Empty);
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await stale.Content.ReadAsByteArrayAsync(), Has.Length.EqualTo(100));
    }

    [Test]
    public async Task If_none_match_star_is_not_modified_for_a_file_that_exists()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, RandomBytes(100));

        var response = await GetWithHeaderAsync(alice, file.Url, "If-None-Match", "*");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task A_stranger_gets_not_found_as_for_a_file_that_does_not_exist()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var file = await UploadAsync(alice, [1, 2, 3]);

        await AssertProblemAsync(await bob.GetAsync(file.Url), HttpStatusCode.NotFound);
        await AssertProblemAsync(await bob.GetAsync($"/files/{file.Id + 1000}"), HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Any_signed_in_user_reads_an_avatar()
    {
        var (_, alice) = await SignedInAsync("alice");
        var (_, bob) = await SignedInAsync("bob");
        var avatar = RandomBytes(500, PngHeader);
        var me = await (await alice.PutAsync("/users/me/avatar", FileForm(avatar, "me.png"))).Content.ReadFromJsonAsync<Messenger.Features.Users.MeProfile>();

        var response = await bob.GetAsync(me!.AvatarUrl);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/png"));
        Assert.That(response.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo("inline"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(avatar));
    }

    [Test]
    public async Task Signing_in_is_required()
    {
        var (_, alice) = await SignedInAsync("alice");
        var file = await UploadAsync(alice, [1, 2, 3]);

        await AssertProblemAsync(await CreateClient().GetAsync(file.Url), HttpStatusCode.Unauthorized);
    }

    private static Task<HttpResponseMessage> GetWithHeaderAsync(HttpClient client, string url, string header, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation(header, value);
        return client.SendAsync(request);
    }
}
