using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Tollgate.Store;

/// <summary>
/// The connection of the store's single writer, with the WAL checkpointing that keeps its commits cheap.
/// <c>synchronous = FULL</c> makes every commit reach the disk before it returns, so an acknowledged write survives
/// a crash of the process or of the machine. Commits do not checkpoint: a background thread copies the log into
/// the database file while the writer goes on. The log is reused from its start only when a transaction begins
/// with every frame copied, which under sustained load never happens by chance, so about once a second
/// <see cref="Committed"/> finishes the copy on this connection (only the few frames the background has not done
/// yet) right before the next transaction begins.
/// </summary>
public sealed partial class SqliteWriter : IDisposable
{
    private static readonly TimeSpan FinishInterval = TimeSpan.FromSeconds(1);

    private readonly WalCheckpointer _checkpointer;
    private readonly SqliteCommand _finish;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _lastFinish;

    internal SqliteWriter(SqliteConnection connection, string connectionString, TimeProvider time, ILogger logger)
    {
        Connection = connection;
        _time = time;
        _logger = logger;
        _checkpointer = new WalCheckpointer(connectionString, logger);
        _finish = connection.CreateCommand();
        _finish.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        _lastFinish = time.GetTimestamp();
    }

    public SqliteConnection Connection { get; }

    /// <summary>Call after each commit, outside any transaction.</summary>
    public void Committed()
    {
        if (_time.GetElapsedTime(_lastFinish) < FinishInterval)
        {
            return;
        }

        _lastFinish = _time.GetTimestamp();
        try
        {
            _finish.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == 5)
        {
            // SQLITE_BUSY: the background checkpoint holds the log right now; the next commit tries again.
        }
        catch (SqliteException exception)
        {
            LogFinishFailed(_logger, exception);
        }
    }

    public void Dispose()
    {
        _finish.Dispose();
        Connection.Dispose();
        _checkpointer.Dispose();
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Finishing a WAL checkpoint on the writer failed; it is retried after a later commit")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception);
}
