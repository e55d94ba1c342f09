using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Declarative;

/// <summary>What a declarative file declares: the whole config, or every problem that stops it (then no config).</summary>
/// <param name="Config">The complete config the file declares; null when there are errors.</param>
/// <param name="Errors">Every problem found, each naming the entity and field as the file has them.</param>
public sealed record DeclarativeParseResult(GatewayConfig? Config, IReadOnlyList<ConfigError> Errors);

/// <summary>
/// decK's declarative config (format 3.0, YAML or JSON): read into a complete <see cref="GatewayConfig"/>, and written
/// from one. Parsing against the current config keeps the ids and times of the entities that are still there, so
/// applying the same file twice, or a file dumped from the config, changes nothing.
/// </summary>
public static class DeclarativeConfig
{
    /// <summary>
    /// Reads a decK file (YAML; JSON is YAML) into the complete config it declares. Entities written without an id
    /// keep the id of the <paramref name="existing"/> entity they match; <c>${{ env "DECK_NAME" }}</c> reads
    /// <paramref name="environment"/>; new and changed entities are stamped with <paramref name="time"/>.
    /// </summary>
    public static DeclarativeParseResult Parse(string text, GatewayConfig existing, Func<string, string?> environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);

        var reader = new DeclarativeReader(environment);
        if (!reader.Read(text))
        {
            return new DeclarativeParseResult(null, reader.Errors);
        }

        var builder = new DeclarativeBuilder(existing, time.GetUtcNow().ToUnixTimeSeconds(), reader.Errors);
        var config = builder.Build(reader);
        var errors = reader.Errors.Concat(builder.NameAsInFile(ConfigValidator.Validate(config))).ToList();
        return new DeclarativeParseResult(errors.Count == 0 ? config : null, errors);
    }

    /// <summary>Writes the config as a decK file that <see cref="Parse"/> reads back to the same config.</summary>
    public static string Dump(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return DeclarativeWriter.Write(config);
    }
}
