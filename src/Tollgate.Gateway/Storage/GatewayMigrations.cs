using Tollgate.Store;

namespace Tollgate.Gateway.Storage;

/// <summary>
/// The gateway schema: every entity as one JSON row (Kong's shape; a credential keeps only its key's hash), and
/// the config version each change increments, which every node polls to pick changes up.
/// </summary>
internal static class GatewayMigrations
{
    public static readonly StoreMigration[] Sqlite =
    [
        new("gateway", 1, "entities and config version", """
            CREATE TABLE gateway_entities (
                kind TEXT NOT NULL,
                id   TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (kind, id)
            ) WITHOUT ROWID;
            CREATE TABLE gateway_config (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                version   INTEGER NOT NULL
            );
            INSERT INTO gateway_config (singleton, version) VALUES (1, 0);
            """),
    ];

    public static readonly StoreMigration[] Postgres =
    [
        new("gateway", 1, "entities and config version", """
            CREATE TABLE gateway_entities (
                kind TEXT NOT NULL COLLATE "C",
                id   TEXT NOT NULL COLLATE "C",
                body TEXT NOT NULL,
                PRIMARY KEY (kind, id)
            );
            CREATE TABLE gateway_config (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                version   BIGINT  NOT NULL
            );
            INSERT INTO gateway_config (singleton, version) VALUES (1, 0);
            """),
    ];
}
