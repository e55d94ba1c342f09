using System.Globalization;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.WebConsole.Components.Pages.Metering;

/// <summary>How the console names meters' parts for people: group-by keys and their values, aggregations, windows.</summary>
public static class MeteringText
{
    /// <summary>A group-by key as a label ("provider" → "Provider", "requested_model" → "Requested model").</summary>
    public static string GroupBy(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            return key;
        }

        var words = key.Replace('_', ' ');
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>A group-by value as people know it (provider "openai" → "OpenAI"); unknown values as they are.</summary>
    public static string Value(string key, string? value) => value is null ? "(none)" : key switch
    {
        "provider" => Provider(value),
        "type" => value switch
        {
            "request" => "Request",
            "response" => "Response",
            _ => value,
        },
        _ => value,
    };

    /// <summary>The product name of an ai-proxy provider, by the name usage events carry.</summary>
    public static string Provider(string value) => value switch
    {
        "openai" => "OpenAI",
        "anthropic" => "Anthropic",
        "azure" => "Azure OpenAI",
        "mistral" => "Mistral",
        "gemini" => "Gemini",
        "llama2" => "Llama 2",
        "cohere" => "Cohere",
        "bedrock" => "Amazon Bedrock",
        "huggingface" => "Hugging Face",
        _ => value,
    };

    /// <summary>The aggregation as the API writes it (SUM, UNIQUE_COUNT, ...).</summary>
    public static string Aggregation(MeterAggregation aggregation) => aggregation switch
    {
        MeterAggregation.UniqueCount => "UNIQUE_COUNT",
        _ => aggregation.ToString().ToUpperInvariant(),
    };

    /// <summary>"minute", "hour", "day".</summary>
    public static string Window(WindowSize size) => size.ToString().ToLower(CultureInfo.InvariantCulture);
}
