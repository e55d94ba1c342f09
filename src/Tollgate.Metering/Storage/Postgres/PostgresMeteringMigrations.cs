using Tollgate.Store;

namespace Tollgate.Metering.Storage.Postgres;

/// <summary>
/// The metering schema on PostgreSQL: the same tables and columns as on SQLite, so one set of SQL serves both, except
/// that events are partitioned by month and deduplicated through <c>event_keys</c> (see
/// <see cref="PostgresEventPartitions"/>). Times are UTC ticks (<c>bigint</c>); decimals are <c>numeric</c>.
/// </summary>
internal static class PostgresMeteringMigrations
{
    public static readonly StoreMigration[] All =
    [
        new("metering", 1, "events, meters, rollups, coverage, subjects", """
            -- Deduplication for ever: one row per (source, id) ever accepted, which also numbers events. Kept when
            -- old event partitions are detached for archiving, so a repeat is still recognised.
            CREATE TABLE event_keys (
                seq    BIGINT GENERATED ALWAYS AS IDENTITY,
                source TEXT   COLLATE "C" NOT NULL,
                id     TEXT   COLLATE "C" NOT NULL,
                PRIMARY KEY (source, id)
            );

            -- Raw events, one partition per UTC month of event time (events_YYYYMM), created as they are needed.
            CREATE TABLE events (
                seq         BIGINT NOT NULL,
                source      TEXT   NOT NULL,
                id          TEXT   NOT NULL,
                type        TEXT   NOT NULL,
                subject     TEXT   NOT NULL,
                time        BIGINT NOT NULL,
                ingested_at BIGINT NOT NULL,
                data        TEXT,
                dataschema  TEXT,
                PRIMARY KEY (seq, time)
            ) PARTITION BY RANGE (time);
            CREATE INDEX events_time ON events (time);

            CREATE TABLE event_conflicts (
                source      TEXT   NOT NULL,
                id          TEXT   NOT NULL,
                received_at BIGINT NOT NULL,
                type        TEXT   NOT NULL,
                subject     TEXT   NOT NULL,
                time        BIGINT NOT NULL,
                data        TEXT
            );

            CREATE TABLE meters (
                num               BIGINT PRIMARY KEY,
                id                TEXT   NOT NULL UNIQUE,
                slug              TEXT   NOT NULL,
                name              TEXT   NOT NULL,
                description       TEXT,
                aggregation       TEXT   NOT NULL,
                event_type        TEXT   NOT NULL,
                value_property    TEXT,
                group_by          TEXT   NOT NULL,
                event_from        BIGINT,
                metadata          TEXT,
                created_at        BIGINT NOT NULL,
                updated_at        BIGINT NOT NULL,
                deleted_at        BIGINT,
                built_through_seq BIGINT NOT NULL DEFAULT 0,
                ready             BIGINT NOT NULL DEFAULT 0
            );
            CREATE UNIQUE INDEX meters_live_slug ON meters (slug) WHERE deleted_at IS NULL;

            CREATE TABLE meter_rollups (
                meter_num    BIGINT  NOT NULL,
                level        BIGINT  NOT NULL,
                subject      TEXT    NOT NULL,
                bucket_start BIGINT  NOT NULL,
                group_key    TEXT    NOT NULL,
                count        BIGINT  NOT NULL,
                sum          NUMERIC,
                min          NUMERIC,
                max          NUMERIC,
                latest_time  BIGINT,
                latest_value NUMERIC,
                PRIMARY KEY (meter_num, level, subject, bucket_start, group_key)
            );
            CREATE INDEX meter_rollups_by_time ON meter_rollups (meter_num, level, bucket_start);
            -- Fresh statistics keep one subject's month on the primary key instead of a scan of every subject's rows
            -- by time, which stale statistics after a large load would choose.
            ALTER TABLE meter_rollups SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 10000);

            CREATE TABLE meter_distinct_values (
                meter_num    BIGINT NOT NULL,
                subject      TEXT   NOT NULL,
                bucket_start BIGINT NOT NULL,
                group_key    TEXT   NOT NULL,
                value        TEXT   NOT NULL,
                PRIMARY KEY (meter_num, subject, bucket_start, group_key, value)
            );

            CREATE TABLE rollup_coverage (
                id           INTEGER PRIMARY KEY CHECK (id = 1),
                hours_before BIGINT  NOT NULL,
                days_before  BIGINT  NOT NULL
            );

            CREATE TABLE subjects (
                id                   TEXT   NOT NULL PRIMARY KEY,
                key                  TEXT   NOT NULL,
                display_name         TEXT,
                metadata             TEXT,
                current_period_start BIGINT,
                current_period_end   BIGINT,
                stripe_customer_id   TEXT,
                created_at           BIGINT NOT NULL,
                updated_at           BIGINT NOT NULL,
                deleted_at           BIGINT
            );
            CREATE UNIQUE INDEX subjects_live_key ON subjects (key) WHERE deleted_at IS NULL;
            """),
        new("metering", 2, "meter catalog version, which tells every node that meters changed", """
            CREATE TABLE meter_catalog (
                id      INTEGER PRIMARY KEY CHECK (id = 1),
                version BIGINT  NOT NULL
            );
            INSERT INTO meter_catalog (id, version) VALUES (1, 0);
            """),
    ];
}
