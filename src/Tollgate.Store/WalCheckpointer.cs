using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Tollgate.Store;

/// <summary>
/// Copies the write-ahead log back into the database file on a thread of its own, a few times a second, so the
/// single writer's commits only append to the log (left to SQLite, the commit that crosses the log's size limit
/// does the copy and the file sync itself, stalling ingest). Passive checkpoints never block the writer or
/// readers. <see cref="SqliteWriter.Committed"/> finishes what is left so the log can start over.
/// </summary>
internal sealed partial class WalCheckpointer : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly string _connectionString;
    private readonly ILogger _logger;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    public WalCheckpointer(string connectionString, ILogger logger)
    {
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-wal-checkpoint" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        do
        {
            try
            {
                checkpoint.ExecuteNonQuery();
            }
            catch (SqliteException exception)
            {
                // The log keeps every committed frame until a later checkpoint succeeds; nothing is lost meanwhile.
                LogCheckpointFailed(_logger, exception);
            }
        }
        while (!_stop.Wait(Interval));
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "A WAL checkpoint failed; it is retried shortly")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
