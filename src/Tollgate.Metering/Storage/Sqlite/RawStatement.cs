using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and driven through SQLite's own API, for the per-event
/// hot path: no parameter objects, strings bound as UTF-16 for SQLite to convert, decimals formatted on the stack.
/// It runs inside whatever transaction the connection has open.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
    }

    /// <summary>Rows changed by the last statement run on the connection.</summary>
    public int Changes => raw.sqlite3_changes(_db);

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    public void Bind(int index, decimal? value)
    {
        if (value is not { } v)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }

        Span<byte> text = stackalloc byte[64];
        if (!v.TryFormat(text, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"decimal {v} does not fit its text buffer");
        }

        Check(raw.sqlite3_bind_text(_statement, index, text[..written]));
    }

    /// <summary>Steps once: true with a row to read, false when done; a failure throws and resets the statement.</summary>
    public bool Step()
    {
        var result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_ROW)
        {
            return true;
        }

        if (result == raw.SQLITE_DONE)
        {
            return false;
        }

        var message = raw.sqlite3_errmsg(_db).utf8_to_string();
        raw.sqlite3_reset(_statement);
        throw new SqliteException($"SQLite Error {result}: '{message}'.", result);
    }

    /// <summary>Readies the statement for its next run; bindings are kept until rebound.</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    public decimal? Decimal(int column) => IsNull(column)
        ? null
        : decimal.Parse(raw.sqlite3_column_blob(_statement, column), NumberStyles.Float, CultureInfo.InvariantCulture);

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", result);
        }
    }
}
