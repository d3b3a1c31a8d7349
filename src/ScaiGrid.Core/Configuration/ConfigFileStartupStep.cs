using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Hosting;

namespace ScaiGrid.Core.Configuration;

/// <summary>
/// Applies <c>SCAIGRID_CONFIG_FILE</c> at start, so a deployment's declared providers, models and tenancy
/// are in the database before the first request. An invalid file stops the start with every problem listed.
/// </summary>
internal sealed class ConfigFileStartupStep(ScaiGridSettings settings, ConfigApplier applier, ILogger<ConfigFileStartupStep> logger) : IStartupStep
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (settings.ConfigFile is not { } path)
        {
            return;
        }

        try
        {
            var result = await applier.ApplyFileAsync(path, Environment.GetEnvironmentVariable, dryRun: false, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Applied {File}: {Created} created, {Updated} updated, {Unchanged} unchanged", path, result.Created, result.Updated, result.Unchanged);
            foreach (var credential in result.GeneratedCredentials)
            {
                // Printed to the console once, never through the logger: keys must not reach log pipelines.
                await Console.Out.WriteLineAsync($"new {credential.Kind} '{credential.Name}' for {credential.Owner}: {credential.Value}  (shown once; store it now)").ConfigureAwait(false);
            }
        }
        catch (ConfigFileException ex)
        {
            throw new StartupException($"SCAIGRID_CONFIG_FILE: {path} is invalid: " + string.Join("; ", ex.Problems));
        }
    }
}
