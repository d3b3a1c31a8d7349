using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// Reads a config file into <see cref="ConfigFile"/>. YamlDotNet's deserializer stops at the first
/// unknown key or bad value; an operator fixing a file wants every problem at once, each with its path, so
/// this walks YamlDotNet's node tree and binds it to the model classes itself, collecting problems.
/// Keys are the model's property names through <see cref="UnderscoredNamingConvention"/>.
/// <c>${NAME}</c> in any scalar value is replaced from the environment; <c>$${</c> is a literal <c>${</c>.
/// </summary>
internal sealed partial class ConfigYamlReader
{
    public const string FilePath = "(file)";

    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> FieldsByType = new();
    private readonly Func<string, string?> _environment;
    private readonly List<ConfigProblem> _problems;

    private ConfigYamlReader(Func<string, string?> environment, List<ConfigProblem> problems)
    {
        _environment = environment;
        _problems = problems;
    }

    /// <summary>The file's content, or null when it is not YAML at all (then only the syntax error is reported).</summary>
    public static ConfigFile? Read(string yaml, Func<string, string?> environment, List<ConfigProblem> problems)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            problems.Add(new ConfigProblem($"{e.Start.Line}:{e.Start.Column}", "YAML syntax error: " + SyntaxMessage(e)));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return new ConfigFile();
        }

        if (stream.Documents.Count > 1)
        {
            problems.Add(new ConfigProblem(FilePath, "more than one YAML document (---): put everything in one document"));
        }

        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode scalar && IsNull(scalar))
        {
            return new ConfigFile();
        }

        var reader = new ConfigYamlReader(environment, problems);
        return reader.Bind(root, typeof(ConfigFile), string.Empty) as ConfigFile ?? new ConfigFile();
    }

    /// <summary>The YAML field name of a model property, e.g. <c>UpstreamModel</c> → <c>upstream_model</c>.</summary>
    public static string FieldName(string propertyName) => UnderscoredNamingConvention.Instance.Apply(propertyName);

    private object? Bind(YamlNode node, Type type, string path)
    {
        if (node is YamlScalarNode nullScalar && IsNull(nullScalar))
        {
            return null;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string) || target == typeof(bool) || target == typeof(int) || target == typeof(long) || target == typeof(decimal))
        {
            if (node is not YamlScalarNode scalar)
            {
                Problem(path, $"expected a single value, not a {Kind(node)}");
                return null;
            }

            var raw = scalar.Value ?? string.Empty;
            var text = Substitute(raw, path);
            return text is null ? null : Convert(text, raw, target, path);
        }

        if (target.IsGenericType && target.GetGenericTypeDefinition() == typeof(List<>))
        {
            return BindList(node, target, path);
        }

        if (target == typeof(Dictionary<string, string>))
        {
            return BindMap(node, path);
        }

        return BindObject(node, target, path);
    }

    private object? BindList(YamlNode node, Type listType, string path)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Problem(path, $"expected a list, not a {Kind(node)}");
            return null;
        }

        var itemType = listType.GetGenericArguments()[0];
        var list = (System.Collections.IList)Activator.CreateInstance(listType)!;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            var item = Bind(sequence.Children[i], itemType, itemPath);
            if (item is null)
            {
                // An empty item ("- ") is almost always an editing slip; skipping it silently would hide it.
                if (sequence.Children[i] is YamlScalarNode s && IsNull(s))
                {
                    Problem(itemPath, "empty list item");
                }

                // A blank stand-in keeps later items at their file index, so their paths stay right; the
                // applier drops the validator's problems under a path reported here, so it adds no noise.
                item = itemType == typeof(string) ? string.Empty : Activator.CreateInstance(itemType)!;
            }

            list.Add(item);
        }

        return list;
    }

    private Dictionary<string, string>? BindMap(YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Problem(path, $"expected a mapping of names to values, not a {Kind(node)}");
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (KeyOf(keyNode, path) is not { } key)
            {
                continue;
            }

            var valuePath = Join(path, key);
            if (Bind(valueNode, typeof(string), valuePath) is string value)
            {
                map[key] = value;
            }
            else if (valueNode is YamlScalarNode s && IsNull(s))
            {
                Problem(valuePath, "a value is required");
            }
        }

        return map;
    }

    private object? BindObject(YamlNode node, Type type, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Problem(path.Length == 0 ? FilePath : path, $"expected a mapping of fields, not a {Kind(node)}");
            return null;
        }

        var fields = FieldsByType.GetOrAdd(type, static t => t
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => FieldName(p.Name), StringComparer.Ordinal));
        var instance = Activator.CreateInstance(type)!;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (KeyOf(keyNode, path) is not { } key)
            {
                continue;
            }

            var fieldPath = Join(path, key);
            if (!fields.TryGetValue(key, out var property))
            {
                Problem(fieldPath, "unknown field");
                continue;
            }

            // init-only setters are ordinary setters to reflection.
            property.SetValue(instance, Bind(valueNode, property.PropertyType, fieldPath));
        }

        return instance;
    }

    private string? KeyOf(YamlNode keyNode, string path)
    {
        if (keyNode is YamlScalarNode { Value: { Length: > 0 } key })
        {
            return key;
        }

        Problem(path.Length == 0 ? FilePath : path, $"field names must be plain text (line {keyNode.Start.Line})");
        return null;
    }

    /// <summary><paramref name="raw"/> is the value as written, quoted in problems instead of the substituted text.</summary>
    private object? Convert(string text, string raw, Type target, string path)
    {
        if (target == typeof(string))
        {
            return text;
        }

        // Numbers may carry '_' separators (200_000) as in YAML 1.1. Problems quote the value as written, not
        // as substituted: `rpm: ${OPENAI_API_KEY}` by mistake must not print the key. String fields (all
        // credentials among them) are never quoted.
        var number = text.Replace("_", string.Empty, StringComparison.Ordinal).Trim();
        if (target == typeof(bool))
        {
            if (bool.TryParse(text.Trim(), out var flag))
            {
                return flag;
            }

            Problem(path, $"expected true or false, got '{Shorten(raw)}'");
        }
        else if (target == typeof(int))
        {
            if (int.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Problem(path, $"expected a whole number up to {int.MaxValue}, got '{Shorten(raw)}'");
        }
        else if (target == typeof(long))
        {
            if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            Problem(path, $"expected a whole number, got '{Shorten(raw)}'");
        }
        else if (decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var amount))
        {
            return amount;
        }
        else
        {
            Problem(path, $"expected a number, got '{Shorten(raw)}'");
        }

        return null;
    }

    /// <summary>Replaces <c>${NAME}</c>; null when a variable is unset or malformed (each one is reported).</summary>
    private string? Substitute(string raw, string path)
    {
        if (!raw.Contains('$', StringComparison.Ordinal))
        {
            return raw;
        }

        var result = new StringBuilder(raw.Length);
        var ok = true;
        var i = 0;
        while (i < raw.Length)
        {
            if (raw.AsSpan(i).StartsWith("$${", StringComparison.Ordinal))
            {
                result.Append("${");
                i += 3;
                continue;
            }

            if (!raw.AsSpan(i).StartsWith("${", StringComparison.Ordinal))
            {
                result.Append(raw[i]);
                i++;
                continue;
            }

            var close = raw.IndexOf('}', i + 2);
            if (close < 0)
            {
                Problem(path, "unterminated ${ (write $${ for a literal ${)");
                return null;
            }

            var name = raw[(i + 2)..close];
            if (!VariableName().IsMatch(name))
            {
                // Not quoted: in a credential, a stray "${" would otherwise print part of the secret.
                Problem(path, "malformed ${…}: a variable name is letters, digits and _, not starting with a digit");
                ok = false;
            }
            else if (_environment(name) is { } value)
            {
                // Substituted text is not scanned again: a secret containing "${" stays as it is.
                result.Append(value);
            }
            else
            {
                Problem(path, $"environment variable {name} is not set");
                ok = false;
            }

            i = close + 1;
        }

        return ok ? result.ToString() : null;
    }

    private void Problem(string path, string message) => _problems.Add(new ConfigProblem(path, message));

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "single value",
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>YamlDotNet prefixes its message with the marks we already put in the path.</summary>
    private static string SyntaxMessage(YamlException e)
    {
        var message = e.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && marker > 0 ? message[(marker + 3)..] : message;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
