using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Tollgate.Gateway.Entities;
using Tollgate.Gateway.Routing;

namespace Tollgate.Gateway.Proxy;

/// <summary>Who sent a request, once key-auth accepted its key.</summary>
internal sealed record AuthenticatedConsumer(Consumer Consumer, KeyAuthCredential Credential);

/// <summary>
/// Kong's key-auth: the key from one of <c>key_names</c> in a header or the query string, looked up by its hash.
/// A key sent as <c>Authorization: Bearer</c> is accepted too, because every OpenAI SDK sends its key that way;
/// such a key is Tollgate's credential, so it never travels upstream.
/// </summary>
internal static class KeyAuthentication
{
    public const string NoKeyMessage = "No API key found in request";

    public const string InvalidKeyMessage = "Unauthorized";

    /// <summary>
    /// Finds and checks the key. On success the credential's header or query parameter is listed in
    /// <paramref name="strip"/> when it must not reach the upstream.
    /// </summary>
    public static AuthenticatedConsumer? Authenticate(HttpRequest request, KeyAuthConfig config, ProxySnapshot snapshot, StrippedCredentials strip, out string? failure)
    {
        string? key = null;
        if (config.KeyInHeader)
        {
            foreach (var name in config.KeyNames)
            {
                if (request.Headers.TryGetValue(name, out var values) && !StringValues.IsNullOrEmpty(values))
                {
                    key = values[0];
                    if (config.HideCredentials)
                    {
                        strip.Header = name;
                    }

                    break;
                }
            }
        }

        if (key is null && config.KeyInQuery)
        {
            foreach (var name in config.KeyNames)
            {
                if (request.Query.TryGetValue(name, out var values) && !StringValues.IsNullOrEmpty(values))
                {
                    key = values[0];
                    if (config.HideCredentials)
                    {
                        strip.QueryParameter = name;
                    }

                    break;
                }
            }
        }

        if (key is null && request.Headers.Authorization.ToString() is { Length: > 7 } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization[7..].Trim();
            strip.Header = "Authorization";
        }

        if (string.IsNullOrEmpty(key))
        {
            failure = NoKeyMessage;
            return null;
        }

        if (!snapshot.CredentialsByHash.TryGetValue(KeyAuthKeys.Hash(key), out var credential)
            || !snapshot.ConsumersById.TryGetValue(credential.Consumer.Id, out var consumer))
        {
            failure = InvalidKeyMessage;
            return null;
        }

        failure = null;
        return new AuthenticatedConsumer(consumer, credential);
    }
}

/// <summary>The credential's header or query parameter, to be removed before the request goes upstream.</summary>
internal sealed class StrippedCredentials
{
    public string? Header { get; set; }

    public string? QueryParameter { get; set; }
}
