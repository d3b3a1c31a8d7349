namespace ScaiGrid.Core.Configuration;

/// <summary>Invalid start-up configuration: reported as one line naming the variable, exit code 2.</summary>
public sealed class ConfigurationException(string variable, string problem) : Exception($"{variable}: {problem}")
{
    public string Variable { get; } = variable;
}
