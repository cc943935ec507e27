using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.WebUtilities;
using MySqlConnector;

namespace Messenger.Infrastructure.Errors;

/// <summary>
/// The one mapping from exceptions to problems, shared by the HTTP exception handler and the hub
/// filter so that a REST call and a socket call with the same input get the same answer.
/// </summary>
public static class Problems
{
    public sealed record Problem(int Status, string Detail, IDictionary<string, string[]>? Errors = null, TimeSpan? RetryAfter = null)
    {
        public string Title => ReasonPhrases.GetReasonPhrase(Status);

        /// <summary>The HubException message: <c>403 Forbidden: you are not a participant of room 12</c>.</summary>
        public string ToHubMessage() =>
            Errors is { Count: > 0 }
                ? $"{Status} {Title}: {string.Join("; ", Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}"
                : $"{Status} {Title}: {Detail}";
    }

    public static bool IsExpected(Exception e) => e is ProblemException or ValidationException or BadHttpRequestException;

    /// <summary>Null for an unexpected exception: that is a 500 whose details stay in the log.</summary>
    public static Problem? From(Exception exception) => exception switch
    {
        ValidationException v => new Problem(StatusCodes.Status400BadRequest, "One or more fields are invalid.",
            v.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray())),
        ProblemException p => new Problem(p.Status, p.Message, p.Field is null ? null : new Dictionary<string, string[]> { [p.Field] = [p.Message] },
            p.RetryAfter),
        BadHttpRequestException b => FromBadRequest(b),
        // A full connection pool, a deadlock or a lock wait: the request was fine, the moment was not.
        MySqlException { IsTransient: true } => new Problem(StatusCodes.Status503ServiceUnavailable,
            "The database is busy; try again shortly.", RetryAfter: TimeSpan.FromSeconds(1)),
        // The database went away under a pooled connection (killed, restarted, network cut): the
        // query read end of stream. MySqlConnector gives it no error code, so IsTransient misses it.
        MySqlException { InnerException: MySqlEndOfStreamException or IOException or SocketException } =>
            new Problem(StatusCodes.Status503ServiceUnavailable, "The database connection was lost; try again shortly.",
                RetryAfter: TimeSpan.FromSeconds(1)),
        // A query past the command timeout: the database is overloaded or a plan went wrong. Either
        // way, the request itself was fine (the log has the exception).
        MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired } => new Problem(StatusCodes.Status503ServiceUnavailable,
            "The database took too long to answer; try again shortly.", RetryAfter: TimeSpan.FromSeconds(5)),
        _ => null,
    };

    private static readonly Regex BadParameter = new(
        """^(?:Failed to bind parameter "[^"]+ (?<name>\w+)" from|(?<missing>Required) parameter "[^"]+ (?<name>\w+)" was not provided from (?:query|route|header))""",
        RegexOptions.Compiled);

    private static Problem FromBadRequest(BadHttpRequestException e)
    {
        // Say which JSON field had the wrong type or shape, without the CLR type names the
        // framework's own message would show.
        if (e.InnerException is JsonException { Path: { } path } && path.StartsWith("$.", StringComparison.Ordinal))
        {
            var field = path[2..];
            return new Problem(StatusCodes.Status400BadRequest, "The request body is not valid JSON for this call.",
                new Dictionary<string, string[]> { [field] = ["has an invalid value or type"] });
        }
        // "Failed to bind parameter "int? limit" from "abc"." and "Required parameter "string query" was not provided ...".
        if (BadParameter.Match(e.Message) is { Success: true } match)
        {
            var field = match.Groups["name"].Value;
            var message = match.Groups["missing"].Success ? "is required" : "has an invalid value or type";
            return new Problem(StatusCodes.Status400BadRequest, $"The parameter {field} {message}.",
                new Dictionary<string, string[]> { [field] = [message] });
        }
        var detail = e.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType => DefaultDetail(e.StatusCode, null),
            _ when e.InnerException is JsonException => "The request body is not valid JSON.",
            _ when e.Message.Contains("no body was provided", StringComparison.Ordinal) => "A request body is required.",
            _ => "The request is malformed.",
        };
        return new Problem(e.StatusCode, detail);
    }

    /// <summary>The detail of a problem that came with none: the framework's 404, 405, 413 and 415.</summary>
    public static string DefaultDetail(int status, HttpRequest? request) => status switch
    {
        StatusCodes.Status404NotFound when request is not null => $"Nothing is found at {request.Path}.",
        StatusCodes.Status405MethodNotAllowed when request is not null => $"{request.Method} is not allowed on {request.Path}.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "The request body has an unsupported media type.",
        _ => ReasonPhrases.GetReasonPhrase(status) + ".",
    };
}
