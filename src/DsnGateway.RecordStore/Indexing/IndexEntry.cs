namespace DsnGateway.RecordStore.Indexing;

/// <summary>One searchable value of a stored resource, written to the search tables beside its JSON.</summary>
public abstract record IndexEntry(string Param);

/// <summary>A code or identifier; <see cref="System"/> is empty when the value has none.</summary>
public sealed record TokenEntry(string Param, string System, string Code) : IndexEntry(Param);

/// <summary>A string, both as written (for <c>:exact</c>) and folded (for prefix and <c>:contains</c>).</summary>
public sealed record StringEntry(string Param, string Folded, string Exact) : IndexEntry(Param);

/// <summary>The range a date covers, in Unix milliseconds, both ends inclusive.</summary>
public sealed record DateEntry(string Param, long Low, long High) : IndexEntry(Param);

/// <summary>A reference to another resource of this store.</summary>
public sealed record ReferenceEntry(string Param, string TargetType, string TargetId) : IndexEntry(Param);
