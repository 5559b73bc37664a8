using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DsnGateway.OptionsValidation;

/// <summary>
/// An options class's validator: what is wrong, one line per problem, each naming the configuration key and its value
/// (e.g. <c>Ingestion:Mllp:Endpoint 'abc' is not host:port</c>), so an operator fixes the configuration in one pass.
/// </summary>
internal abstract class OptionsProblems<T> : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public abstract IEnumerable<string> Problems(T options);
}

/// <summary>
/// Options bound from a configuration section and validated when the host starts (<c>ValidateOnStart</c>), and checked
/// the same way before a server or a command creates anything (<see cref="Problems"/>): every problem of every section
/// at once, one line each, a value the binder cannot read (an unknown mode, a word where seconds are expected) included.
/// </summary>
internal static class ValidatedOptions
{
    public static OptionsBuilder<T> AddValidatedOptions<T, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        services.AddSingleton<IOptionsCheck>(new OptionsCheck<T>(configuration.GetSection(section)));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>Every problem of the options registered with <see cref="AddValidatedOptions{T,TValidator}"/>, one line each; empty when all are valid.</summary>
    public static IReadOnlyList<string> Problems(IServiceProvider services) =>
        [.. services.GetServices<IOptionsCheck>().SelectMany(check => check.Problems(services)).Distinct()];

    /// <summary>The problems of a failed <c>ValidateOnStart</c> (one options class or several), one line each.</summary>
    public static IReadOnlyList<string>? Problems(Exception exception) => exception switch
    {
        OptionsValidationException failed => [.. failed.Failures],
        AggregateException { InnerExceptions: var inner } when inner.All(e => e is OptionsValidationException) =>
            [.. inner.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Distinct()],
        _ => null,
    };

    private interface IOptionsCheck
    {
        IEnumerable<string> Problems(IServiceProvider services);
    }

    private sealed class OptionsCheck<T>(IConfigurationSection section) : IOptionsCheck
        where T : class
    {
        public IEnumerable<string> Problems(IServiceProvider services)
        {
            // The binder would stop at the first value it cannot read, in its own words: each is named here instead.
            var unreadable = Unreadable(section, typeof(T)).ToList();
            if (unreadable.Count > 0) return unreadable;
            try
            {
                _ = services.GetRequiredService<IOptionsMonitor<T>>().CurrentValue;
                return [];
            }
            catch (OptionsValidationException ex)
            {
                return ex.Failures;
            }
            catch (InvalidOperationException ex)
            {
                return [$"The {section.Path} section cannot be read: {ex.Message}"];
            }
        }
    }

    /// <summary>The values of <paramref name="section"/> that cannot be converted to their property's type (enums, numbers, booleans, durations).</summary>
    private static IEnumerable<string> Unreadable(IConfigurationSection section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            var child = section.GetSection(property.Name);
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(target))
            {
                if (!property.CanWrite || string.IsNullOrEmpty(child.Value)) continue;
                if (!Converts(child.Value, target)) yield return $"{child.Path} '{child.Value}' is not {Expected(target)}.";
            }
            else if (target.IsClass && target != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(target))
            {
                foreach (var problem in Unreadable(child, target)) yield return problem;
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsEnum || type.IsPrimitive || type == typeof(decimal) || type == typeof(TimeSpan);

    private static bool Converts(string value, Type type)
    {
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!);
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) =>
        type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : type == typeof(bool) ? "true or false"
        : type == typeof(TimeSpan) ? "a duration such as 00:00:05"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : "a number";

    /// <summary>An absolute http or https URL.</summary>
    public static bool IsHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static string Seconds(double value) => value.ToString(CultureInfo.InvariantCulture);
}
