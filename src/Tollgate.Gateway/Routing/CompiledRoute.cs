using System.Text.RegularExpressions;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Routing;

/// <summary>A route ready for matching, with its service and the plugins that apply to it resolved once.</summary>
internal sealed class CompiledRoute
{
    private readonly string[]? _methods;
    private readonly string[]? _exactHosts;
    private readonly string[]? _hostSuffixes;
    private readonly string[]? _hostPrefixes;
    private readonly string[] _prefixes;
    private readonly Regex[] _regexes;
    private readonly KeyValuePair<string, string[]>[] _headers;

    public CompiledRoute(Route route, Service? service, int order)
    {
        Route = route;
        Service = service;
        Order = order;
        _methods = route.Methods is { Count: > 0 } methods ? [.. methods] : null;
        if (route.Hosts is { Count: > 0 } hosts)
        {
            _exactHosts = [.. hosts.Where(h => !h.Contains('*', StringComparison.Ordinal)).Select(h => h.ToLowerInvariant())];
            _hostSuffixes = [.. hosts.Where(h => h.StartsWith("*.", StringComparison.Ordinal)).Select(h => h[1..].ToLowerInvariant())];
            _hostPrefixes = [.. hosts.Where(h => h.EndsWith(".*", StringComparison.Ordinal)).Select(h => h[..^1].ToLowerInvariant())];
        }

        _prefixes = route.Paths is null ? [] : [.. route.Paths.Where(p => !p.StartsWith('~')).OrderByDescending(p => p.Length)];
        _regexes = route.Paths is null ? [] : [.. route.Paths.Where(p => p.StartsWith('~')).Select(p => new Regex("^" + p[1..], RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(50)))];
        _headers = route.Headers is null ? [] : [.. route.Headers.Select(h => new KeyValuePair<string, string[]>(h.Key, [.. h.Value]))];
        HasPaths = _prefixes.Length + _regexes.Length > 0;
        HasRegex = _regexes.Length > 0;
        Criteria = (_methods is null ? 0 : 1) + (_exactHosts is null ? 0 : 1) + (HasPaths ? 1 : 0) + (_headers.Length > 0 ? 1 : 0);
        LongestPrefix = _prefixes.Length > 0 ? _prefixes[0].Length : 0;
    }

    public Route Route { get; }

    public Service? Service { get; }

    /// <summary>Creation order, the last tie-breaker.</summary>
    public int Order { get; }

    public bool HasPaths { get; }

    public bool HasRegex { get; }

    /// <summary>How many kinds of condition the route sets; a route with more conditions is more specific.</summary>
    public int Criteria { get; }

    public int LongestPrefix { get; }

    /// <summary>The key-auth plugin in force on this route (route, then service, then global), if any.</summary>
    public KeyAuthConfig? KeyAuth { get; init; }

    /// <summary>The provider adapter of the ai-proxy plugin in force on this route, if any; built once per snapshot.</summary>
    public Ai.ILlmProvider? AiProvider { get; init; }

    /// <summary>The entitlement plugin in force on this route, if any: the feature its consumers must be entitled to.</summary>
    public EntitlementConfig? Entitlement { get; init; }

    /// <summary>
    /// Whether the request matches; <paramref name="matchedLength"/> is how much of the path the route's path
    /// matched (what <c>strip_path</c> removes).
    /// </summary>
    public bool Matches(string method, string host, string path, Microsoft.AspNetCore.Http.IHeaderDictionary headers, out int matchedLength)
    {
        matchedLength = 0;
        if (_methods is not null && Array.IndexOf(_methods, method) < 0)
        {
            return false;
        }

        if (_exactHosts is not null && !MatchesHost(host))
        {
            return false;
        }

        foreach (var (name, values) in _headers)
        {
            if (!headers.TryGetValue(name, out var actual) || !values.Any(v => actual.Any(a => string.Equals(a, v, StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        if (!HasPaths)
        {
            return true;
        }

        foreach (var regex in _regexes)
        {
            var match = regex.Match(path);
            if (match.Success)
            {
                matchedLength = match.Length;
                return true;
            }
        }

        foreach (var prefix in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                matchedLength = prefix.Length;
                return true;
            }
        }

        return false;
    }

    private bool MatchesHost(string host)
    {
        var colon = host.LastIndexOf(':');
        var name = colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
        foreach (var exact in _exactHosts!)
        {
            if (string.Equals(exact, name, StringComparison.OrdinalIgnoreCase) || string.Equals(exact, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var suffix in _hostSuffixes!)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var prefix in _hostPrefixes!)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
