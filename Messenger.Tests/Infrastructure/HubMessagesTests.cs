using FluentValidation;
using FluentValidation.Results;
using Messenger.Features.Users.SearchUsers;
using Messenger.Infrastructure.Errors;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>A failed socket call rejects with a message that starts with the status and title.</summary>
public sealed class HubMessagesTests
{
    [Test]
    public void A_validation_failure_names_the_field()
    {
        var e = new ValidationException([new ValidationFailure("body", "must not be empty")]);

        Assert.That(Problems.From(e)!.ToHubMessage(), Is.EqualTo("400 Bad Request: body: must not be empty"));
    }

    [Test]
    public void A_validator_message_from_the_pipeline_does_not_repeat_the_field()
    {
        var e = Assert.ThrowsAsync<ValidationException>(() => SendAsync(new SearchUsers.Query(1, "", 10)));

        Assert.That(Problems.From(e!)!.ToHubMessage(), Is.EqualTo("400 Bad Request: query: must not be empty"));
    }

    [Test]
    public void A_not_found_carries_its_detail()
    {
        Assert.That(Problems.From(new NotFoundException("room 12 not found"))!.ToHubMessage(), Is.EqualTo("404 Not Found: room 12 not found"));
    }

    [Test]
    public void A_forbidden_carries_its_detail()
    {
        Assert.That(Problems.From(new ForbiddenException("you are not a participant of room 12"))!.ToHubMessage(),
            Is.EqualTo("403 Forbidden: you are not a participant of room 12"));
    }

    [Test]
    public void An_unexpected_exception_is_not_mapped()
    {
        Assert.That(Problems.From(new InvalidOperationException("secret internals")), Is.Null);
    }
}
