namespace Tollgate.Store;

/// <summary>Where the embedded store lives.</summary>
public sealed record StoreOptions
{
    /// <summary>The data directory; the SQLite file is created inside it on first start.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The SQLite database file inside <see cref="DataDirectory"/>.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "tollgate.db");
}
