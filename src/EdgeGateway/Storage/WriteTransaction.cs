using Microsoft.Data.Sqlite;
using static SQLitePCL.raw;

namespace EdgeGateway.Storage;

/// <summary>
/// Explicit write transactions (<c>BEGIN IMMEDIATE</c> … <c>COMMIT</c>) that survive a failed
/// commit: after <c>SQLITE_FULL</c> or an I/O error SQLite may already have rolled the
/// transaction back, so a rollback is only sent while SQLite says one is open.
/// </summary>
/// <remarks>
/// <see cref="SqliteTransaction"/> is not used for writes: when its <c>COMMIT</c> fails after
/// SQLite rolled back by itself, the object stays "open", its rollback fails with "cannot
/// rollback - no transaction is active", and so does the connection's <c>Dispose</c>, which
/// rolls it back again; that took the whole gateway down on a full disk.
/// </remarks>
internal static class WriteTransaction
{
    /// <summary>Starts a write transaction, taking the write lock now.</summary>
    public static void Begin(SqliteConnection connection) => GatewayDatabase.Execute(connection, "BEGIN IMMEDIATE;");

    /// <summary>Commits; durable when it returns (synchronous=FULL on the writing connections).</summary>
    public static void Commit(SqliteConnection connection) => GatewayDatabase.Execute(connection, "COMMIT;");

    /// <summary>Whether SQLite has a transaction open on <paramref name="connection"/>.</summary>
    public static bool IsOpen(SqliteConnection connection) =>
        connection.Handle is { } handle && sqlite3_get_autocommit(handle) == 0;

    /// <summary>Rolls back the open transaction, if SQLite still has one. Never throws.</summary>
    public static void RollbackIfOpen(SqliteConnection connection)
    {
        if (!IsOpen(connection))
        {
            return;
        }
        try
        {
            GatewayDatabase.Execute(connection, "ROLLBACK;");
        }
        catch (SqliteException)
        {
            // Nothing is left to undo that SQLite would keep: a transaction it cannot roll back is
            // rolled back when the connection closes.
        }
    }

    /// <summary>Runs <paramref name="body"/> in one write transaction; nothing of it is kept if it throws.</summary>
    public static void Run(SqliteConnection connection, Action body)
    {
        Begin(connection);
        try
        {
            body();
            Commit(connection);
        }
        catch
        {
            RollbackIfOpen(connection);
            throw;
        }
    }
}
