using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace ScaiGrid.Testing.Servers;

/// <summary>
/// Debian's nginx running <c>deploy/nginx/scaigrid.conf</c> in front of a ScaiGrid under test. Only
/// addresses, ports and paths are rewritten (loopback listeners on free ports, a generated certificate,
/// a private prefix for pid, logs and temp files), so the file under test is the one operators deploy.
/// </summary>
public sealed partial class NginxFixture : IAsyncDisposable
{
    public const string NginxPath = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _prefix;
    private readonly X509Certificate2 _certificate;

    private NginxFixture(Process process, string prefix, X509Certificate2 certificate, int httpsPort, int httpPort, int grpcPort)
    {
        _process = process;
        _prefix = prefix;
        _certificate = certificate;
        HttpsBaseAddress = new Uri($"https://localhost:{httpsPort}/");
        HttpBaseAddress = new Uri($"http://127.0.0.1:{httpPort}/");
        GrpcPort = grpcPort;
    }

    /// <summary>The TLS listener, by the name the test certificate is issued to.</summary>
    public Uri HttpsBaseAddress { get; }

    /// <summary>The plain-HTTP listener, which only redirects.</summary>
    public Uri HttpBaseAddress { get; }

    public int GrpcPort { get; }

    /// <summary>The configuration nginx actually runs, after substitution (for failure messages).</summary>
    public string RenderedConfig => File.ReadAllText(Path.Combine(_prefix, "scaigrid.conf"));

    public string ErrorLog => ReadIfExists(Path.Combine(_prefix, "error.log")) + ReadIfExists(Path.Combine(_prefix, "scaigrid.error.log"));

    /// <summary>Starts nginx in front of <paramref name="httpUpstream"/> (host:port) and <paramref name="grpcUpstream"/> (defaults to an unused port).</summary>
    public static async Task<NginxFixture> StartAsync(string httpUpstream, string? grpcUpstream = null)
    {
        if (!File.Exists(NginxPath))
        {
            throw new InvalidOperationException($"{NginxPath} is missing: run scripts/services.sh start (it installs Debian's nginx)");
        }

        var prefix = Path.Combine(Path.GetTempPath(), "scaigrid-tests", "nginx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(prefix, "temp"));
        var certificate = WriteCertificate(prefix);
        int httpsPort = Ports.FreeLoopbackPort(), httpPort = Ports.FreeLoopbackPort(), grpcPort = Ports.FreeLoopbackPort();
        var source = File.ReadAllText(RepoPaths.Combine("deploy", "nginx", "scaigrid.conf"));
        File.WriteAllText(Path.Combine(prefix, "scaigrid.conf"), Render(source, prefix, httpUpstream, grpcUpstream ?? $"127.0.0.1:{Ports.FreeLoopbackPort()}", httpsPort, httpPort, grpcPort));
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), MainConfig(prefix));

        var info = new ProcessStartInfo(NginxPath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        // -e: nginx opens its compiled-in error log before reading the config unless told otherwise.
        foreach (var arg in new[] { "-p", prefix + "/", "-e", Path.Combine(prefix, "error.log"), "-c", Path.Combine(prefix, "nginx.conf") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var fixture = new NginxFixture(process, prefix, certificate, httpsPort, httpPort, grpcPort);
        try
        {
            await WaitForListenerAsync(httpsPort, process, TimeSpan.FromSeconds(20));
        }
        catch (Exception ex)
        {
            var stderr = process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty;
            await fixture.DisposeAsync();
            throw new InvalidOperationException($"nginx did not start: {ex.Message}\n{stderr}", ex);
        }

        return fixture;
    }

    /// <summary>An HTTPS client that trusts exactly the generated certificate and nothing else.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var expected = _certificate.RawData;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetRawCertData().AsSpan().SequenceEqual(expected),
            },
        };
        return new HttpClient(handler) { BaseAddress = HttpsBaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    /// <summary>
    /// The deployed file with only its environment swapped: replica addresses, listen ports, certificate
    /// and log paths. Every production address it names must have been replaced, or this throws.
    /// </summary>
    internal static string Render(string source, string prefix, string httpUpstream, string grpcUpstream, int httpsPort, int httpPort, int grpcPort)
    {
        var httpServers = 0;
        var text = HttpReplica().Replace(source, m => httpServers++ == 0 ? $"server {httpUpstream}{m.Groups[1].Value};" : string.Empty);
        var grpcServers = 0;
        text = GrpcReplica().Replace(text, m => grpcServers++ == 0 ? $"server {grpcUpstream}{m.Groups[1].Value};" : string.Empty);
        text = Ipv6Listen().Replace(text, string.Empty);
        text = text
            .Replace("listen 443 ssl", $"listen 127.0.0.1:{httpsPort} ssl", StringComparison.Ordinal)
            .Replace("listen 80;", $"listen 127.0.0.1:{httpPort};", StringComparison.Ordinal)
            .Replace("listen 50051 ssl", $"listen 127.0.0.1:{grpcPort} ssl", StringComparison.Ordinal)
            .Replace("/etc/nginx/tls/", prefix + "/", StringComparison.Ordinal)
            .Replace("/var/log/nginx/", prefix + "/", StringComparison.Ordinal);
        if (httpServers == 0 || grpcServers == 0)
        {
            throw new InvalidOperationException("deploy/nginx/scaigrid.conf changed shape: no scaigrid-http-N / scaigrid-grpc-N replica lines to point at the test servers");
        }

        var directives = Comment().Replace(text, string.Empty);
        foreach (var leftover in new[] { "scaigrid-http-", "scaigrid-grpc-", "/etc/", "/var/", "listen 443", "listen 80", "listen 50051" })
        {
            if (directives.Contains(leftover, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"deploy/nginx/scaigrid.conf changed shape: '{leftover}' was not substituted for the test");
            }
        }

        return text;
    }

    private static string MainConfig(string prefix) => $$"""
        # Test harness around deploy/nginx/scaigrid.conf: everything under {{prefix}}.
        daemon off;
        master_process on;
        worker_processes 1;
        pid {{prefix}}/nginx.pid;
        error_log {{prefix}}/error.log info;
        events { worker_connections 256; }
        http {
            default_type application/octet-stream;
            client_body_temp_path {{prefix}}/temp/body;
            proxy_temp_path {{prefix}}/temp/proxy;
            fastcgi_temp_path {{prefix}}/temp/fastcgi;
            uwsgi_temp_path {{prefix}}/temp/uwsgi;
            scgi_temp_path {{prefix}}/temp/scgi;
            access_log {{prefix}}/access.log;
            include {{prefix}}/scaigrid.conf;
        }
        """;

    /// <summary>A self-signed certificate for localhost/127.0.0.1, written as PEM where the config expects it.</summary>
    private static X509Certificate2 WriteCertificate(string prefix)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(prefix, "scaigrid.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(prefix, "scaigrid.key"), key.ExportPkcs8PrivateKeyPem(), Encoding.ASCII);
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    private static async Task WaitForListenerAsync(int port, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode}");
            }

            try
            {
                using var socket = new System.Net.Sockets.TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"nginx did not listen on {port} within {timeout}");
    }

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGQUIT is nginx's graceful stop; fall back to killing it if it lingers.
            Process.Start("kill", ["-QUIT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _certificate.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"server scaigrid-http-\d+:\d+([^;]*);\n?")]
    private static partial Regex HttpReplica();

    [GeneratedRegex(@"server scaigrid-grpc-\d+:\d+([^;]*);\n?")]
    private static partial Regex GrpcReplica();

    [GeneratedRegex(@"#[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"[ \t]*listen \[::\]:[^\n]*\n")]
    private static partial Regex Ipv6Listen();
}
