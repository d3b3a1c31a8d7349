using System.Net;
using System.Net.Sockets;

namespace ScaiGrid.Testing.Servers;

public static class Ports
{
    /// <summary>A currently free TCP port on 127.0.0.1 (for child processes that must be told a port).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <paramref name="url"/> until it answers (any status) or the timeout passes.</summary>
    public static async Task WaitUntilAnsweringAsync(Uri url, TimeSpan timeout, Func<bool>? givenUp = null)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (givenUp?.Invoke() == true)
            {
                throw new InvalidOperationException("the process exited before answering");
            }

            try
            {
                using var response = await client.GetAsync(url);
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
            catch (TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{url} did not answer within {timeout}");
    }
}
