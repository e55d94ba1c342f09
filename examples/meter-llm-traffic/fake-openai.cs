#:sdk Microsoft.NET.Sdk.Web

// A tiny OpenAI-compatible chat-completions server, so the walkthrough needs no OpenAI key:
//
//   dotnet run fake-openai.cs -- --port 9999 [--completion-tokens 100]
//
// It answers POST /v1/chat/completions (and /chat/completions) with the same reply every time and a usage block
// whose numbers depend only on the request:
//   prompt_tokens     = the whitespace-separated words in the messages' contents
//                       ("Say this is a test!" is 5)
//   completion_tokens = --completion-tokens (default 100), as if every answer were that long, so that a few calls
//                       add up to whole cents at the seed's $0.00002 a token
// Streaming ("stream": true) sends the reply as server-sent events, and a final usage chunk when the request asks
// for it with "stream_options": {"include_usage": true}, as OpenAI does.
using System.Text.Json;
using System.Text.Json.Nodes;

var port = 9999;
var completionTokens = 100;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--completion-tokens": completionTokens = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown option {args[i]}; use --port N and --completion-tokens N");
    }
}

const string Reply = "This is a test!";
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();

app.MapPost("/v1/chat/completions", ChatAsync);
app.MapPost("/chat/completions", ChatAsync);
app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"fake OpenAI listening on http://127.0.0.1:{port}/v1/chat/completions (completion tokens: {completionTokens})"));
app.Run();

async Task ChatAsync(HttpContext context)
{
    JsonNode? body;
    try
    {
        body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
    }
    catch (JsonException)
    {
        body = null;
    }

    if (body is not JsonObject request || request["messages"] is not JsonArray messages)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await WriteJsonAsync(context, new JsonObject { ["error"] = new JsonObject { ["message"] = "a JSON body with \"messages\" is required", ["type"] = "invalid_request_error" } });
        return;
    }

    var promptTokens = messages.Sum(message => Words(message?["content"]));
    var usage = new JsonObject
    {
        ["prompt_tokens"] = promptTokens,
        ["completion_tokens"] = completionTokens,
        ["total_tokens"] = promptTokens + completionTokens,
    };
    var model = request["model"]?.GetValue<string>() ?? "gpt-4";
    var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    if (request["stream"]?.GetValue<bool>() != true)
    {
        await WriteJsonAsync(
            context,
            new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Reply },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = usage,
            });
        return;
    }

    context.Response.ContentType = "text/event-stream";
    JsonObject Chunk(JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    async Task SendAsync(string data)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    await SendAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString());
    var words = Reply.Split(' ');
    for (var i = 0; i < words.Length; i++)
    {
        await SendAsync(Chunk(new JsonObject { ["content"] = i == 0 ? words[i] : " " + words[i] }, null).ToJsonString());
    }

    await SendAsync(Chunk(new JsonObject(), "stop").ToJsonString());
    if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
    {
        var last = Chunk(null, null);
        last["usage"] = usage;
        await SendAsync(last.ToJsonString());
    }

    await SendAsync("[DONE]");
}

static Task WriteJsonAsync(HttpContext context, JsonNode body)
{
    context.Response.ContentType = "application/json";
    return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
}

static int Words(JsonNode? content) => content switch
{
    JsonValue text when text.GetValueKind() == JsonValueKind.String =>
        text.GetValue<string>().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length,
    JsonArray parts => parts.Sum(part => Words(part?["text"])),
    _ => 0,
};
