namespace Tollgate.Store.Counters;

/// <summary>
/// The counters schema. <c>counters</c> holds what every node has settled in a window; <c>counter_leases</c> holds
/// the budget each node has taken to serve reservations from memory. Times are UTC ticks; amounts are decimals
/// (text in SQLite, <c>numeric</c> in PostgreSQL).
/// </summary>
internal static class CounterMigrations
{
    public static readonly StoreMigration[] Sqlite =
    [
        new("counters", 1, "counters and leases", """
            CREATE TABLE counters (
                name         TEXT    NOT NULL,
                window_start INTEGER NOT NULL,
                window_end   INTEGER NOT NULL,
                used         TEXT    NOT NULL,
                PRIMARY KEY (name, window_start)
            ) WITHOUT ROWID;
            CREATE INDEX counters_by_end ON counters (window_end);

            CREATE TABLE counter_leases (
                name         TEXT    NOT NULL,
                window_start INTEGER NOT NULL,
                holder       TEXT    NOT NULL,
                amount       TEXT    NOT NULL,
                expires_at   INTEGER NOT NULL,
                PRIMARY KEY (name, window_start, holder)
            ) WITHOUT ROWID;
            """),
    ];

    public static readonly StoreMigration[] Postgres =
    [
        new("counters", 1, "counters and leases", """
            CREATE TABLE counters (
                name         TEXT    NOT NULL COLLATE "C",
                window_start BIGINT  NOT NULL,
                window_end   BIGINT  NOT NULL,
                used         NUMERIC NOT NULL,
                PRIMARY KEY (name, window_start)
            );
            CREATE INDEX counters_by_end ON counters (window_end);

            CREATE TABLE counter_leases (
                name         TEXT    NOT NULL COLLATE "C",
                window_start BIGINT  NOT NULL,
                holder       TEXT    NOT NULL COLLATE "C",
                amount       NUMERIC NOT NULL,
                expires_at   BIGINT  NOT NULL,
                PRIMARY KEY (name, window_start, holder)
            );
            """),
    ];
}
