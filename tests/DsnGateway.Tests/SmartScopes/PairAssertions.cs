namespace DsnGateway.Tests.SmartScopes;

/// <summary>
/// Ordered comparison of search-parameter lists (FluentAssertions treats a sequence of key-value pairs as a
/// dictionary, which ignores order).
/// </summary>
internal static class PairAssertions
{
    public static void ShouldBePairs(this IEnumerable<KeyValuePair<string, string>> actual, params KeyValuePair<string, string>[] expected) =>
        actual.Select(p => (p.Key, p.Value)).Should().Equal(expected.Select(p => (p.Key, p.Value)));
}
