using Messenger.Infrastructure.RateLimits;
using System.Net.Sockets;
using System.Text;
using Messenger.Infrastructure.Storage;
using static Messenger.Tests.StorageTesting;
using static Messenger.Tests.Testing;
using FileInfo = Messenger.Features.Files.FileInfo;

namespace Messenger.Tests.Features.Files;

public sealed class UploadFileTests : StorageTestBase
{
    private const long Limit = 25 * MiB;
    private const string OwnBucket = "uploads";

    // A store whose directory the tests can read, and a service on it with low upload caps.
    private S3rverProcess _storage = null!;
    private OwnService _own = null!;

    [OneTimeSetUp]
    public async Task StartOwnStorageAndService()
    {
        _storage = new S3rverProcess();
        await _storage.StartAsync();
        _own = OwnService.On(_storage, OwnBucket, settings =>
        {
            settings["Files:MaxConcurrentUploads"] = "3";
            settings["Files:MaxConcurrentUploadsPerUser"] = "2";
        });
    }

    [OneTimeTearDown]
    public async Task StopOwnStorageAndService()
    {
        await _own.DisposeAsync();
        _storage.Dispose();
    }

    // Either side of what stays in memory (1 MiB) and of Minio's multipart threshold (5 MiB).
    [TestCase(10L)]
    [TestCase(1 * MiB)]
    [TestCase(1 * MiB + 1)]
    [TestCase(5 * MiB - 2)]
    [TestCase(5 * MiB - 1)]
    [TestCase(20 * MiB)]
    public async Task Bytes_come_back_exactly_as_uploaded(long size)
    {
        var (aliceId, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(size);

        var response = await alice.PostAsync("/files/upload", FileForm(bytes, "report.bin"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var file = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"/files/{file.Id}"));
        Assert.That(file, Is.EqualTo(file with
        {
            OwnerId = aliceId, FileName = "report.bin", ContentType = "application/octet-stream", Size = size, Url = $"/files/{file.Id}",
        }));
        Assert.That(file.UpdatedAt, Is.EqualTo(file.CreatedAt));
        Assert.That(await ObjectExistsAsync(await ObjectKeyAsync(file.Id)), Is.True);
        var download = await alice.GetAsync(file.Url);
        Assert.That(download.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(download.Content.Headers.ContentLength, Is.EqualTo(size));
        Assert.That(await download.Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
        Assert.That(await CountAsync("pending_objects"), Is.Zero, "the row claimed the object");
    }

    [TestCase(3 * MiB)]
    [TestCase(20 * MiB)]
    public async Task A_chunked_upload_without_a_declared_length_is_stored(long size)
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(size);

        var form = ChunkedFileForm(bytes);
        Assert.That(form.Headers.ContentLength, Is.Null, "the request must not declare its length");
        var response = await alice.PostAsync("/files/upload", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var file = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(file.Size, Is.EqualTo(bytes.Length));
        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        var (_, alice) = await SignedInAsync("alice");

        var file = await UploadAsync(alice, RandomBytes(Limit));

        Assert.That(file.Size, Is.EqualTo(Limit));
    }

    [Test]
    public async Task One_byte_over_the_limit_is_too_large_with_a_declared_length()
    {
        var (_, alice) = await SignedInAsync("alice");

        var response = await alice.PostAsync("/files/upload", FileForm(RandomBytes(Limit + 1)));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain($"limit of {Limit} bytes"), "counted on the file itself");
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [Test]
    public async Task One_byte_over_the_limit_is_too_large_when_chunked()
    {
        var (_, alice) = await SignedInAsync("alice");

        var response = await alice.PostAsync("/files/upload", ChunkedFileForm(RandomBytes(Limit + 1)));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain($"limit of {Limit} bytes"), "counted on the file itself");
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [TestCase(false, TestName = "A file over the limit with a declared length leaves nothing in the store")]
    [TestCase(true, TestName = "A chunked file over the limit leaves nothing in the store")]
    public async Task A_file_over_the_limit_leaves_no_object_and_no_unfinished_multipart_upload(bool chunked)
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);
        var bytes = RandomBytes(Limit + 1);

        var response = await alice.PostAsync("/files/upload", chunked ? ChunkedFileForm(bytes) : FileForm(bytes));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(_storage.InProgressUploads(OwnBucket), Is.Empty, "no multipart upload was begun");
        Assert.That(_storage.ObjectFiles(OwnBucket), Is.Empty);
        Assert.That(await CountAsync("files"), Is.Zero);
        Assert.That(await CountAsync("pending_objects"), Is.Zero, "nothing was about to be written");
    }

    [Test]
    public async Task A_chunked_file_of_exactly_the_limit_is_stored_whole()
    {
        var (_, alice) = await SignedInAsync("alice");
        var bytes = RandomBytes(Limit);

        var response = await alice.PostAsync("/files/upload", ChunkedFileForm(bytes));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var file = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(await (await alice.GetAsync(file.Url)).Content.ReadAsByteArrayAsync(), Is.EqualTo(bytes));
    }

    [Test]
    public async Task Uploads_past_the_per_user_cap_are_too_many_requests_until_one_finishes()
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);
        var bob = _own.Client((await RegisterAsync("bob")).AccessToken);
        HeldUpload[] held = [new(alice), new(alice)];
        try
        {
            await UploadsInProgressAsync(2);

            var third = await alice.PostAsync("/files/upload", FileForm([1, 2, 3]));
            var bobs = await bob.PostAsync("/files/upload", FileForm([1, 2, 3]));

            await AssertProblemAsync(third, HttpStatusCode.TooManyRequests);
            Assert.That(third.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(bobs.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the cap is per user");
        }
        finally
        {
            foreach (var upload in held)
                upload.Release();
        }
        foreach (var upload in held)
            Assert.That((await upload.Response).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await UploadsInProgressAsync(0);
        Assert.That((await alice.PostAsync("/files/upload", FileForm([1, 2, 3]))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Uploads_past_the_global_cap_are_unavailable_until_one_finishes()
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);
        var bob = _own.Client((await RegisterAsync("bob")).AccessToken);
        var carol = _own.Client((await RegisterAsync("carol")).AccessToken);
        HeldUpload[] held = [new(alice), new(alice), new(bob)];
        try
        {
            await UploadsInProgressAsync(3);

            var response = await carol.PostAsync("/files/upload", FileForm([1, 2, 3]));

            await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), "a 503 says when to try again");
            Assert.That(await CountAsync("pending_objects"), Is.Zero);
        }
        finally
        {
            foreach (var upload in held)
                upload.Release();
        }
        foreach (var upload in held)
            Assert.That((await upload.Response).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await UploadsInProgressAsync(0);
        Assert.That((await carol.PostAsync("/files/upload", FileForm([1, 2, 3]))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task A_refused_upload_gives_its_place_back()
    {
        var alice = _own.Client((await RegisterAsync("alice")).AccessToken);

        await AssertProblemAsync(await alice.PostAsync("/files/upload", FileForm([])), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await alice.PostAsync("/files/upload", ChunkedFileForm(RandomBytes(Limit + 1))),
            HttpStatusCode.RequestEntityTooLarge);

        await UploadsInProgressAsync(0);
    }

    /// <summary>Waits until the own service is receiving or storing exactly this many uploads.</summary>
    private async Task UploadsInProgressAsync(int count)
    {
        var slots = _own.Service<UploadSlots>();
        for (var attempt = 0; attempt < 200 && slots.InProgress != count; attempt++)
            await Task.Delay(50);
        Assert.That(slots.InProgress, Is.EqualTo(count), "uploads in progress");
    }

    [Test]
    public async Task A_body_declared_far_over_the_limit_is_refused_from_its_headers()
    {
        var alice = await RegisterAsync("alice");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(ServerAddress.Host, ServerAddress.Port);
        await using var connection = tcp.GetStream();

        // Only the headers go out: the answer must not wait for a body that never comes.
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /files/upload HTTP/1.1\r\nHost: {ServerAddress.Authority}\r\nAuthorization: Bearer {alice.AccessToken}\r\n" +
            $"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {10 * Limit}\r\n\r\n"));
        var statusLine = await new StreamReader(connection, Encoding.ASCII).ReadLineAsync();

        Assert.That(statusLine, Does.StartWith("HTTP/1.1 413 "));
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [Test]
    public async Task A_chunked_body_past_the_request_limit_is_too_large_even_before_the_file()
    {
        var alice = await RegisterAsync("alice");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(ServerAddress.Host, ServerAddress.Port);
        var connection = tcp.GetStream();
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /files/upload HTTP/1.1\r\nHost: {ServerAddress.Authority}\r\nAuthorization: Bearer {alice.AccessToken}\r\n" +
            "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"));
        var reading = new StreamReader(connection, Encoding.ASCII).ReadLineAsync();

        // A long field before the file: Kestrel's request limit, not the file count, has to stop it.
        var chunk = Encoding.ASCII.GetBytes($"100000\r\n{new string('a', 0x100000)}\r\n");
        const string noteHeader = "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n";
        await connection.WriteAsync(Encoding.ASCII.GetBytes($"{noteHeader.Length:x}\r\n{noteHeader}\r\n"));
        try
        {
            for (var sent = 0L; sent < Limit + 2 * MiB && !reading.IsCompleted; sent += 0x100000)
                await connection.WriteAsync(chunk);
        }
        catch (IOException)
        {
            // The server may close while the client is still sending.
        }

        Assert.That(await reading, Does.StartWith("HTTP/1.1 413 "));
    }

    [Test]
    public async Task An_empty_file_is_refused_naming_the_field()
    {
        var (_, alice) = await SignedInAsync("alice");

        var response = await alice.PostAsync("/files/upload", FileForm([]));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [Test]
    public async Task A_form_without_the_file_field_is_refused_naming_it()
    {
        var (_, alice) = await SignedInAsync("alice");
        var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "attachment", "a.bin" }, { new StringContent("hi"), "note" } };

        var response = await alice.PostAsync("/files/upload", form);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
    }

    [Test]
    public async Task A_body_that_is_not_multipart_is_an_unsupported_media_type()
    {
        var (_, alice) = await SignedInAsync("alice");

        var response = await alice.PostAsJsonAsync("/files/upload", new { file = "aGVsbG8=" });

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task A_multipart_body_cut_off_inside_the_file_is_a_bad_request()
    {
        var (_, alice) = await SignedInAsync("alice");
        var truncated = RawMultipart("""
            --b0undary
            Content-Disposition: form-data; name="file"; filename="cut.txt"

            the body stops before the closing boundary
            """);

        var response = await alice.PostAsync("/files/upload", truncated);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
        Assert.That(await CountAsync("files"), Is.Zero);
    }

    [Test]
    public async Task Other_fields_before_the_file_are_skipped()
    {
        var (_, alice) = await SignedInAsync("alice");
        var form = new MultipartFormDataContent { { new StringContent("ignored"), "note" } };
        form.Add(new ByteArrayContent([7, 8, 9]), "file", "n.bin");

        var response = await alice.PostAsync("/files/upload", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await response.Content.ReadFromJsonAsync<FileInfo>())!.Size, Is.EqualTo(3));
    }

    [Test]
    public async Task The_file_name_loses_path_segments_control_characters_and_quotes()
    {
        var (_, alice) = await SignedInAsync("alice");
        // filename* carries the exact characters: C:\fakepath\..\re<RIGHT-TO-LEFT OVERRIDE>port<U+0001> "q".txt
        var form = RawMultipart("""
            --b0undary
            Content-Disposition: form-data; name="file"; filename*=UTF-8''C%3A%5Cfakepath%5C..%5Cre%E2%80%AEport%01%20%22q%22.txt
            Content-Type: text/plain

            hello
            --b0undary--
            """);

        var response = await alice.PostAsync("/files/upload", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var file = (await response.Content.ReadFromJsonAsync<FileInfo>())!;
        Assert.That(file.FileName, Is.EqualTo("report q.txt"));
        Assert.That(file.ContentType, Is.EqualTo("text/plain"));
    }

    [Test]
    public async Task A_browser_style_utf8_file_name_is_kept()
    {
        var (_, alice) = await SignedInAsync("alice");
        var form = RawMultipart("""
            --b0undary
            Content-Disposition: form-data; name="file"; filename="café über.txt"

            hello
            --b0undary--
            """);

        var response = await alice.PostAsync("/files/upload", form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That((await response.Content.ReadFromJsonAsync<FileInfo>())!.FileName, Is.EqualTo("café über.txt"));
    }

    [Test]
    public async Task A_missing_or_invalid_content_type_is_stored_as_plain_bytes()
    {
        var (_, alice) = await SignedInAsync("alice");

        var missing = await UploadAsync(alice, [1], contentType: null);
        var wildcard = await UploadAsync(alice, [1], contentType: "*/*");

        Assert.That(missing.ContentType, Is.EqualTo("application/octet-stream"));
        Assert.That(wildcard.ContentType, Is.EqualTo("application/octet-stream"));
    }

    [Test]
    public async Task Signing_in_is_required()
    {
        using var anonymous = CreateClient();

        var response = await anonymous.PostAsync("/files/upload", FileForm([1, 2, 3]));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Past_the_uploads_rate_limit_uploading_is_429_with_retry_after()
    {
        var (_, alice) = await SignedInAsync("alice");

        await RateLimitTesting.AssertLimitedAsync<RateLimitPolicies.Uploads>(() =>
            alice.PostAsync("/files/upload", FileForm(RandomBytes(10))));
    }
}
