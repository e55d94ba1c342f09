using System.Data.Common;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Tollgate.Store;

namespace Tollgate.WebConsole.Access;

/// <summary>
/// The keys that protect console sessions and circuits, kept in the store (table <c>console_keys</c>) so that a
/// sign-in survives a restart and every node of a PostgreSQL deployment accepts the others' cookies. A key is written
/// once and never changed; ASP.NET Core rotates by adding keys. They are as secret as the store they live in.
/// </summary>
public sealed class ConsoleKeyRing(Func<DbConnection> open) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM console_keys ORDER BY name";
        using var reader = command.ExecuteReader();
        var keys = new List<XElement>();
        while (reader.Read())
        {
            keys.Add(XElement.Parse(reader.GetString(0)));
        }

        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = open();
        using var command = connection.CreateCommand();
        // Names are key ids: a second node writing the same key (it cannot, ids are random) would change nothing.
        command.CommandText = "INSERT INTO console_keys (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING";
        Add(command, "@name", friendlyName);
        Add(command, "@xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    /// <summary>The console's schema steps: one table of data-protection keys.</summary>
    public static IReadOnlyList<StoreMigration> Migrations(StoreProvider provider) =>
    [
        new("console", 1, "data-protection keys of console sessions", provider == StoreProvider.Postgres
            ? """CREATE TABLE console_keys (name TEXT PRIMARY KEY COLLATE "C", xml TEXT NOT NULL);"""
            : "CREATE TABLE console_keys (name TEXT PRIMARY KEY, xml TEXT NOT NULL) WITHOUT ROWID;"),
    ];

    private static void Add(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
