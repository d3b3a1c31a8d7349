using System.Diagnostics;
using System.Text;

namespace ScaiGrid.Testing.Servers;

/// <summary>Runs the real <c>scaigrid</c> executable (the built scaigrid.dll) as a child process.</summary>
public sealed class ScaiGridProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ScaiGridProcess(Process process)
    {
        _process = process;
    }

    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, "scaigrid.dll");

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet scaigrid.dll ARGS</c> with exactly <paramref name="environment"/> added to a clean environment.</summary>
    public static ScaiGridProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = environment.TryGetValue("SCAIGRID_DATA_DIR", out var dir) && dir is not null ? Path.GetDirectoryName(dir)! : Path.GetTempPath(),
        };
        info.ArgumentList.Add(ExecutablePath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only the test's own SCAIGRID_* settings reach the child, never the runner's.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("SCAIGRID_", StringComparison.Ordinal) || k == "ASPNETCORE_URLS").ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new ScaiGridProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            lock (wrapper._stdout)
            {
                wrapper._stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (wrapper._stderr)
            {
                wrapper._stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    public static async Task<ScaiGridProcess> RunAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        var process = Start(environment, args);
        await process.WaitForExitAsync(timeout);
        return process;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scaigrid did not exit within {timeout}: {Stderr}");
        }

        // Let the asynchronous output readers drain.
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as a container runtime does on stop.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
