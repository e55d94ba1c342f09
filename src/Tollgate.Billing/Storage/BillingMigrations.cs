using Tollgate.Store;

namespace Tollgate.Billing.Storage;

/// <summary>
/// The billing schema: every document (feature, plan, customer, subscription, entitlement, grant ...) as one JSON
/// row in its OpenMeter shape, stamped with the version of the change that wrote it; the version row orders
/// changes from every node, and a node catches up by reading the rows stamped after the version it holds.
/// </summary>
internal static class BillingMigrations
{
    public static readonly StoreMigration[] Sqlite =
    [
        new("billing", 1, "documents and state version", """
            CREATE TABLE billing_documents (
                kind    TEXT    NOT NULL,
                id      TEXT    NOT NULL,
                version INTEGER NOT NULL,
                body    TEXT,
                PRIMARY KEY (kind, id)
            ) WITHOUT ROWID;
            CREATE INDEX billing_documents_version ON billing_documents (version);
            CREATE TABLE billing_state (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                version   INTEGER NOT NULL
            );
            INSERT INTO billing_state (singleton, version) VALUES (1, 0);
            """),
    ];

    public static readonly StoreMigration[] Postgres =
    [
        new("billing", 1, "documents and state version", """
            CREATE TABLE billing_documents (
                kind    TEXT   NOT NULL COLLATE "C",
                id      TEXT   NOT NULL COLLATE "C",
                version BIGINT NOT NULL,
                body    TEXT,
                PRIMARY KEY (kind, id)
            );
            CREATE INDEX billing_documents_version ON billing_documents (version);
            CREATE TABLE billing_state (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                version   BIGINT  NOT NULL
            );
            INSERT INTO billing_state (singleton, version) VALUES (1, 0);
            """),
    ];
}
