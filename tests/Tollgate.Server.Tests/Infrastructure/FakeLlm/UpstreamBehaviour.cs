namespace Tollgate.Server.Tests.Infrastructure.FakeLlm;

/// <summary>
/// How <see cref="FakeLlmUpstream"/> answers. Immutable: a test swaps the whole value
/// (<c>upstream.Behaviour = new() { ErrorStatus = 429 }</c>); each request uses the value current when it arrived.
/// </summary>
public sealed record UpstreamBehaviour
{
    /// <summary>
    /// False: answers carry no <c>usage</c> at all, and streams never send a usage chunk even when
    /// <c>stream_options.include_usage</c> asks for one (the Responses API's <c>response.completed</c> then has <c>"usage": null</c>).
    /// Anthropic's <c>message_start</c> and <c>message_delta</c> then carry no usage either, which the real API never does
    /// (the official Anthropic SDKs' stream helpers fail on it): it is for testing that the gateway copes.
    /// </summary>
    public bool ReportUsage { get; init; } = true;

    /// <summary>A slow upstream: waits this long before the status line and headers (errors included).</summary>
    public TimeSpan DelayBeforeResponse { get; init; }

    /// <summary>A slow stream: waits this long before every server-sent event after the first.</summary>
    public TimeSpan DelayBetweenChunks { get; init; }

    /// <summary>
    /// Answer with this status and the provider's error body instead (checked before the body is parsed).
    /// OpenAI: 429 is <c>rate_limit_exceeded</c>, 401 <c>invalid_request_error</c>/<c>invalid_api_key</c>,
    /// other 4xx <c>invalid_request_error</c>, 5xx <c>server_error</c>. Anthropic: 400 <c>invalid_request_error</c>,
    /// 401 <c>authentication_error</c>, 403 <c>permission_error</c>, 404 <c>not_found_error</c>, 413 <c>request_too_large</c>,
    /// 429 <c>rate_limit_error</c>, 529 <c>overloaded_error</c>, anything else <c>api_error</c>. A 429 carries <c>retry-after: 1</c>.
    /// </summary>
    public int? ErrorStatus { get; init; }

    /// <summary>The assistant's text (also the text of a legacy completion and of a Responses API message).</summary>
    public string ReplyText { get; init; } = "Hello! How can I help you today?";

    /// <summary>
    /// How many content chunks a stream splits <see cref="ReplyText"/> into: 0 = one chunk per word (each word with the
    /// whitespace before it, so the chunks concatenate back to the text); N = N pieces of near-equal length
    /// (at most one per character). Completion tokens do not depend on it (see <see cref="FakeLlmUpstream.CompletionTokens"/>).
    /// </summary>
    public int StreamChunks { get; init; }

    /// <summary>
    /// The model named in answers. Null: the requested model made a dated snapshot by <see cref="FakeLlmUpstream.SnapshotOf"/>
    /// (<c>gpt-4</c> → <c>gpt-4-0613</c>, <c>gpt-4o</c> → <c>gpt-4o-2024-08-06</c>), except embeddings, which echo the
    /// requested name unchanged as OpenAI does.
    /// </summary>
    public string? AnsweredModel { get; init; }

    /// <summary>
    /// Streams stop after half the content chunks (rounded down) and the connection is aborted: no finish chunk,
    /// no usage, no <c>[DONE]</c> / <c>message_stop</c> / <c>response.completed</c>.
    /// </summary>
    public bool AbortMidStream { get; init; }
}
