using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Tollgate.Store.Tests;

public sealed class SqliteWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tollgate-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteStore.CloseAll();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void The_log_is_reused_under_back_to_back_commits_instead_of_growing()
    {
        var clock = new FakeTimeProvider();
        var store = new SqliteStore(new StoreOptions { DataDirectory = _directory }, clock, NullLogger<SqliteStore>.Instance);
        store.Migrate([new StoreMigration("test", 1, "rows", "CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")]);
        var wal = store.DatabasePath + "-wal";
        var sizes = new List<long>();
        using (var writer = store.OpenWriter())
        {
            // Each commit writes about 2 MB; a second passes between commits, so each is followed by a finishing
            // checkpoint and the next transaction starts the log over.
            for (var commit = 0; commit < 40; commit++)
            {
                using (var transaction = writer.Connection.BeginTransaction())
                using (var insert = writer.Connection.CreateCommand())
                {
                    insert.Transaction = transaction;
                    insert.CommandText = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO rows (body) SELECT printf('%.2000c', 'x') FROM n";
                    insert.ExecuteNonQuery();
                    transaction.Commit();
                }

                writer.Committed();
                clock.Advance(TimeSpan.FromSeconds(1));
                sizes.Add(new FileInfo(wal).Length);
            }

            Assert.True(sizes[^1] < 10 * 1024 * 1024, $"the log grew to {sizes[^1]:N0} bytes over 40 commits of about 2 MB");
            Assert.Equal(sizes[10], sizes[^1]);
        }

        // Every row is in the file, whichever way the log went.
        using var connection = store.OpenConnection();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM rows";
        Assert.Equal(40_000L, (long)count.ExecuteScalar()!);
    }
}
