namespace Tollgate.Store;

/// <summary>One versioned schema step owned by a module; applied once, in version order, per module.</summary>
public sealed record StoreMigration(string Module, int Version, string Name, string Sql);
