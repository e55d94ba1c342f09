using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Gateway.Entities;

/// <summary>How consumer keys are kept: only their SHA-256 and a short hint, never the key itself.</summary>
public static class KeyAuthKeys
{
    /// <summary>The prefix of a stored hash, so a declarative file can carry one instead of a key.</summary>
    public const string HashPrefix = "sha256:";

    /// <summary>A new random key, as Kong generates when none is given: 32 URL-safe characters.</summary>
    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    /// <summary><c>sha256:</c> and the lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return HashPrefix + Convert.ToHexStringLower(digest);
    }

    /// <summary>What is shown in place of a key after its creation: its first four characters.</summary>
    public static string Hint(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length <= 4 ? "…" : key[..4] + "…";
    }

    /// <summary>Whether <paramref name="value"/> is a stored hash rather than a key.</summary>
    public static bool IsHash(string value) =>
        value is not null && value.Length == HashPrefix.Length + 64 && value.StartsWith(HashPrefix, StringComparison.Ordinal)
        && !value.AsSpan(HashPrefix.Length).ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");
}
