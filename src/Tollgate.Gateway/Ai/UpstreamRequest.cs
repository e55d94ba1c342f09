using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tollgate.Gateway.Ai;

/// <summary>What the proxy knows of the client's request besides its body.</summary>
/// <param name="Path">The path the upstream should see (after the route's strip_path); used by route type preserve.</param>
/// <param name="Query">The client's raw query string, with or without its '?': azure's <c>api-version</c> and, with
/// <c>auth.allow_override</c>, the client's own auth parameter are taken from it.</param>
/// <param name="HasAuthHeader">Whether the client sent the header named by <c>auth.header_name</c>; with
/// <c>auth.allow_override</c> the client's header is then kept and the configured one not set.</param>
internal readonly record struct ClientRequestInfo(string? Path = null, string? Query = null, bool HasAuthHeader = false);

/// <summary>
/// The request to send to the provider: POST <see cref="Body"/> to <see cref="Url"/>, setting <see cref="Headers"/>
/// over whatever the client sent. <see cref="ToString"/> shows neither header values nor the query (they may hold the
/// provider key).
/// </summary>
internal sealed record UpstreamRequest
{
    public required AiProvider Provider { get; init; }

    public required AiRouteType RouteType { get; init; }

    public required Uri Url { get; init; }

    /// <summary>Headers to set on the upstream request, replacing the client's of the same name.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The client's body as received (OpenAI format); token estimation reads it.</summary>
    public ReadOnlyMemory<byte> ClientBody { get; init; }

    /// <summary>Whether the upstream was asked to stream (the client asked, or <c>response_streaming</c> is always).</summary>
    public bool Stream { get; init; }

    /// <summary>Whether the client asked for the usage chunk itself (<c>stream_options.include_usage</c>); if not, Tollgate hides it.</summary>
    public bool ClientAskedForUsage { get; init; }

    /// <summary>The model the client's body named, if any.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>The model sent upstream: the plugin's <c>model.name</c>, else the client's. Null only for route type preserve.</summary>
    public string? EffectiveModel { get; init; }

    /// <summary>The value for the <see cref="AiProxyHeaders.ModelName"/> response header, null when <c>model_name_header</c> is off.</summary>
    public string? ModelNameHeader { get; init; }

    public override string ToString()
    {
        var names = new StringBuilder();
        foreach (var (name, _) in Headers)
        {
            names.Append(names.Length == 0 ? string.Empty : ", ").Append(name);
        }

        var url = Url.GetLeftPart(UriPartial.Path) + (Url.Query.Length > 1 ? "?[redacted]" : string.Empty);
        return $"UpstreamRequest {{ Provider = {Provider.ToWire()}, RouteType = {RouteType.ToWire()}, Url = {url}, Headers = [{names}], "
            + $"Body = {Body.Length} bytes, Stream = {Stream}, ClientAskedForUsage = {ClientAskedForUsage}, "
            + $"RequestedModel = {RequestedModel}, EffectiveModel = {EffectiveModel} }}";
    }
}

/// <summary>An answer for the client in OpenAI's error shape, produced without calling the provider.</summary>
internal sealed record LlmErrorResponse(int StatusCode, string Message, ReadOnlyMemory<byte> Body)
{
    public const string ContentType = "application/json";
}

/// <summary>
/// The provider's non-streaming answer translated for the client. <see cref="ContentType"/> null means keep the
/// upstream's. <see cref="Usage"/> is null for an error status, otherwise the provider's counts or an estimate.
/// </summary>
internal sealed record LlmResponse(int StatusCode, ReadOnlyMemory<byte> Body, string? ContentType, LlmUsage? Usage, string? AnsweredModel);

/// <summary>Header names of the ai-proxy plugin.</summary>
internal static class AiProxyHeaders
{
    /// <summary>Kong's response header naming <c>provider/model</c>.</summary>
    public const string ModelName = "X-Kong-LLM-Model";
}

/// <summary>Writes OpenAI-shaped error bodies: <c>{"error":{"message":...,"type":...}}</c>.</summary>
internal static class OpenAiErrors
{
    public const string InvalidRequest = "invalid_request_error";

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static LlmErrorResponse Create(int statusCode, string message, string type = InvalidRequest) =>
        new(statusCode, message, Body(message, type));

    public static byte[] Body(string message, string type)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, message, type);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, string message, string type)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
