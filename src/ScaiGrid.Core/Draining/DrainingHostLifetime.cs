using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace ScaiGrid.Core.Draining;

/// <summary>
/// Replaces the console lifetime of the HTTP host. The console lifetime stops the host on SIGTERM,
/// and a stopping Kestrel refuses new connections at once; a draining replica must instead keep
/// answering (503 to new requests, streams to completion) until <see cref="DrainCoordinator"/> stops it.
/// SIGINT and SIGQUIT (an operator at a terminal) still stop at once.
/// </summary>
internal sealed class DrainingHostLifetime(DrainState drain, IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            drain.Begin("SIGTERM");
        }));
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                lifetime.StopApplication();
            }));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }
}
