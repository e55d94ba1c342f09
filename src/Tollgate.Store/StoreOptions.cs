namespace Tollgate.Store;

/// <summary>Where the embedded store lives.</summary>
public sealed record StoreOptions
{
    /// <summary>The data directory; the SQLite file is created inside it on first start.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The SQLite database file inside <see cref="DataDirectory"/>.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "tollgate.db");
}

/// <summary>Which engine holds Tollgate's data.</summary>
public enum StoreProvider
{
    /// <summary>The embedded SQLite file under the data directory (one node).</summary>
    Sqlite,

    /// <summary>A shared PostgreSQL database (any number of nodes).</summary>
    Postgres,
}
