using Tollgate.Store;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>The metering schema on SQLite. Times are UTC ticks; decimals are invariant-culture text.</summary>
internal static class SqliteMeteringMigrations
{
    public static readonly StoreMigration[] All =
    [
        new("metering", 1, "events, meters, rollups, subjects", """
            CREATE TABLE events (
                seq         INTEGER PRIMARY KEY,
                source      TEXT    NOT NULL,
                id          TEXT    NOT NULL,
                type        TEXT    NOT NULL,
                subject     TEXT    NOT NULL,
                time        INTEGER NOT NULL,
                ingested_at INTEGER NOT NULL,
                data        TEXT,
                dataschema  TEXT,
                UNIQUE (source, id)
            );
            CREATE INDEX events_type_time ON events (type, time);
            CREATE INDEX events_time ON events (time);

            CREATE TABLE event_conflicts (
                source      TEXT    NOT NULL,
                id          TEXT    NOT NULL,
                received_at INTEGER NOT NULL,
                type        TEXT    NOT NULL,
                subject     TEXT    NOT NULL,
                time        INTEGER NOT NULL,
                data        TEXT
            );

            CREATE TABLE meters (
                num               INTEGER PRIMARY KEY,
                id                TEXT    NOT NULL UNIQUE,
                slug              TEXT    NOT NULL,
                name              TEXT    NOT NULL,
                description       TEXT,
                aggregation       TEXT    NOT NULL,
                event_type        TEXT    NOT NULL,
                value_property    TEXT,
                group_by          TEXT    NOT NULL,
                event_from        INTEGER,
                metadata          TEXT,
                created_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL,
                deleted_at        INTEGER,
                built_through_seq INTEGER NOT NULL DEFAULT 0,
                ready             INTEGER NOT NULL DEFAULT 0
            );
            CREATE UNIQUE INDEX meters_live_slug ON meters (slug) WHERE deleted_at IS NULL;

            CREATE TABLE meter_rollups (
                meter_num    INTEGER NOT NULL,
                level        INTEGER NOT NULL,
                subject      TEXT    NOT NULL,
                bucket_start INTEGER NOT NULL,
                group_key    TEXT    NOT NULL,
                count        INTEGER NOT NULL,
                sum          TEXT,
                min          TEXT,
                max          TEXT,
                latest_time  INTEGER,
                latest_value TEXT,
                PRIMARY KEY (meter_num, level, subject, bucket_start, group_key)
            ) WITHOUT ROWID;
            CREATE INDEX meter_rollups_by_time ON meter_rollups (meter_num, level, bucket_start);

            CREATE TABLE meter_distinct_values (
                meter_num    INTEGER NOT NULL,
                subject      TEXT    NOT NULL,
                bucket_start INTEGER NOT NULL,
                group_key    TEXT    NOT NULL,
                value        TEXT    NOT NULL,
                PRIMARY KEY (meter_num, subject, bucket_start, group_key, value)
            ) WITHOUT ROWID;

            CREATE TABLE subjects (
                id                   TEXT    NOT NULL PRIMARY KEY,
                key                  TEXT    NOT NULL,
                display_name         TEXT,
                metadata             TEXT,
                current_period_start INTEGER,
                current_period_end   INTEGER,
                stripe_customer_id   TEXT,
                created_at           INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL,
                deleted_at           INTEGER
            );
            CREATE UNIQUE INDEX subjects_live_key ON subjects (key) WHERE deleted_at IS NULL;
            """),
        new("metering", 2, "rollup coverage: hours and days compacted from minutes", """
            CREATE TABLE rollup_coverage (
                id           INTEGER PRIMARY KEY CHECK (id = 1),
                hours_before INTEGER NOT NULL,
                days_before  INTEGER NOT NULL
            );
            """),
        new("metering", 3, "events: drop the (type, time) index", """
            -- Raw events are read by time only for the sub-minute edges of a query, a range the (time) index bounds
            -- as well; one index fewer to maintain per ingested event.
            DROP INDEX events_type_time;
            """),
        new("metering", 4, "meter catalog version", """
            CREATE TABLE meter_catalog (
                id      INTEGER PRIMARY KEY CHECK (id = 1),
                version INTEGER NOT NULL
            );
            INSERT INTO meter_catalog (id, version) VALUES (1, 0);
            """),
    ];
}
