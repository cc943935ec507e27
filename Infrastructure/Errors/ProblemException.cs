namespace Messenger.Infrastructure.Errors;

/// <summary>
/// An expected refusal that becomes a problem response (HTTP) or a HubException (socket).
/// Handlers throw the subclass that names the status; the detail is safe to show a client.
/// </summary>
public abstract class ProblemException(int status, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;

    /// <summary>The input field the problem is about, when there is one (a taken username).</summary>
    public string? Field { get; } = field;

    /// <summary>When to try again (Retry-After), for the refusals that pass with time: 429 and 503.</summary>
    public virtual TimeSpan? RetryAfter => null;
}

/// <summary>A dependency or a shared resource is busy or down; nothing about the request is wrong.</summary>
public abstract class UnavailableException(string detail) : ProblemException(StatusCodes.Status503ServiceUnavailable, detail)
{
    public override TimeSpan? RetryAfter => TimeSpan.FromSeconds(5);
}

public sealed class NotFoundException(string detail) : ProblemException(StatusCodes.Status404NotFound, detail);

public sealed class ForbiddenException(string detail) : ProblemException(StatusCodes.Status403Forbidden, detail);

public sealed class ConflictException(string detail, string? field = null) : ProblemException(StatusCodes.Status409Conflict, detail, field);

public sealed class UnauthorizedException(string detail) : ProblemException(StatusCodes.Status401Unauthorized, detail);

/// <summary>A 400 found by a handler rather than the validator (a wrong current password).</summary>
public sealed class BadRequestException(string detail, string field) : ProblemException(StatusCodes.Status400BadRequest, detail, field);

public sealed class TooManyRequestsException(string detail, TimeSpan retryAfter) : ProblemException(StatusCodes.Status429TooManyRequests, detail)
{
    public override TimeSpan? RetryAfter { get; } = retryAfter;
}

public sealed class PayloadTooLargeException(string detail) : ProblemException(StatusCodes.Status413PayloadTooLarge, detail);

public sealed class UnsupportedMediaTypeException(string detail) : ProblemException(StatusCodes.Status415UnsupportedMediaType, detail);

/// <summary>Object storage did not answer; the detail stays generic, the cause goes to the log.</summary>
public sealed class StorageUnavailableException() : UnavailableException("File storage is unavailable; try again shortly.");
