using System.Globalization;
using System.Security.Cryptography;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Configuration;

public enum RuntimeMode
{
    Http,
    Grpc,
    Worker,
    Migrate,
}

public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// Everything ScaiGrid reads from its environment (<c>SCAIGRID_*</c>), parsed and checked once at start.
/// docs/configuration.md lists each variable with its default; keep the two in step.
/// </summary>
public sealed record ScaiGridSettings
{
    public const string DefaultHttpUrls = "http://127.0.0.1:8000";
    public const string DefaultGrpcUrls = "http://127.0.0.1:50051";

    public RuntimeMode Mode { get; init; } = RuntimeMode.Http;

    /// <summary><c>development</c> (default) or <c>production</c>.</summary>
    public bool IsProduction { get; init; }

    public required DatabaseUrl Database { get; init; }

    /// <summary>StackExchange.Redis configuration, or null for in-process state.</summary>
    public string? RedisConfiguration { get; init; }

    public string? RedisDisplay { get; init; }

    public bool AuthDisabled { get; init; }

    /// <summary>JWT bearer validation (<c>SCAIGRID_JWT_*</c>), or null when no identity provider is configured.</summary>
    public Auth.Jwt.JwtSettings? Jwt { get; init; }

    /// <summary>The 32-byte key that encrypts provider credentials.</summary>
    public required byte[] SecretKey { get; init; }

    /// <summary>Where the key came from, for the start-up log ("SCAIGRID_SECRET_KEY" or a file path).</summary>
    public string SecretKeySource { get; init; } = "SCAIGRID_SECRET_KEY";

    public string? ConfigFile { get; init; }

    public IReadOnlyList<string> Modules { get; init; } = [];

    public string? ModulePath { get; init; }

    /// <summary>Every <c>SCAIGRID_MODULE_{ID}_*</c> variable, for the modules' own configuration sections.</summary>
    public IReadOnlyDictionary<string, string> ModuleVariables { get; init; } = new Dictionary<string, string>();

    public string DataDirectory { get; init; } = Path.GetFullPath("data");

    public string HttpUrls { get; init; } = DefaultHttpUrls;

    public string GrpcUrls { get; init; } = DefaultGrpcUrls;

    public long MaxRequestBodyBytes { get; init; } = 32L * 1024 * 1024;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public string LogLevel { get; init; } = "Information";

    public DispatchOptions Dispatch { get; init; } = new();

    /// <summary>A usage batch taken by a flusher that has not acknowledged it after this long is requeued (its flusher died).</summary>
    public TimeSpan UsageStaleBatch { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Path prefixes the rate limiter applies to (<c>SCAIGRID_RATE_LIMIT_PATHS</c>; <c>none</c> for only opted-in endpoints).</summary>
    public IReadOnlyList<string> RateLimitPaths { get; init; } = RateLimiting.RateLimitingOptions.DefaultPathPrefixes;

    /// <summary>Migrate at start of <c>http</c>: the default on SQLite; on servers migration is an explicit step.</summary>
    public bool AutoMigrate { get; init; }

    /// <summary>How long a drain (SIGTERM, admin drain) waits for in-flight requests before the process stops anyway.</summary>
    public TimeSpan DrainGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Origins browsers may call from; empty (the default) allows no cross-origin call at all.</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    public IReadOnlyList<string> CorsMethods { get; init; } = DefaultCorsMethods;

    public IReadOnlyList<string> CorsHeaders { get; init; } = DefaultCorsHeaders;

    public TimeSpan CorsMaxAge { get; init; } = TimeSpan.FromSeconds(600);

    public bool CorsCredentials { get; init; }

    /// <summary>Where traces go (OTLP); null (the default) exports none.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary><c>grpc</c> (default, port 4317) or <c>http/protobuf</c> (port 4318).</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    public static IReadOnlyList<string> DefaultCorsMethods { get; } = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static IReadOnlyList<string> DefaultCorsHeaders { get; } = ["Authorization", "Content-Type", "X-Request-ID", "X-Api-Key"];

    /// <summary>
    /// Reads the settings from <paramref name="env"/> (normally the process environment). Throws
    /// <see cref="ConfigurationException"/> naming the first variable that is wrong.
    /// </summary>
    public static ScaiGridSettings FromEnvironment(IReadOnlyDictionary<string, string?> env, string? urlsOverride = null)
    {
        string? Get(string name) => env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var mode = Get("SCAIGRID_MODE") is { } m ? ParseMode(m) : RuntimeMode.Http;
        var envName = (Get("SCAIGRID_ENV") ?? "development").ToLowerInvariant();
        if (envName is not ("development" or "production"))
        {
            throw new ConfigurationException("SCAIGRID_ENV", $"unknown environment '{envName}' (expected development or production)");
        }

        var production = envName == "production";
        var dataDir = Path.GetFullPath(Get("SCAIGRID_DATA_DIR") ?? "data");

        DatabaseUrl database;
        try
        {
            database = DatabaseUrl.Parse(Get("SCAIGRID_DATABASE_URL") ?? "sqlite:" + Path.Combine(dataDir, "scaigrid.db"));
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException("SCAIGRID_DATABASE_URL", ex.Message);
        }

        var (redis, redisDisplay) = ParseRedis(Get("SCAIGRID_REDIS_URL"));
        var authDisabled = ParseBool(Get("SCAIGRID_AUTH_DISABLED"), "SCAIGRID_AUTH_DISABLED", false);
        if (authDisabled && production)
        {
            throw new ConfigurationException("SCAIGRID_AUTH_DISABLED", "must not be true when SCAIGRID_ENV=production");
        }

        var (key, keySource) = ResolveSecretKey(Get("SCAIGRID_SECRET_KEY"), database, production, dataDir);

        var configFile = Get("SCAIGRID_CONFIG_FILE");
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new ConfigurationException("SCAIGRID_CONFIG_FILE", $"file '{configFile}' does not exist");
        }

        var modules = (Get("SCAIGRID_MODULES") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var logFormat = (Get("SCAIGRID_LOG_FORMAT") ?? "text").ToLowerInvariant() switch
        {
            "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            var other => throw new ConfigurationException("SCAIGRID_LOG_FORMAT", $"unknown format '{other}' (expected text or json)"),
        };

        var logLevel = Get("SCAIGRID_LOG_LEVEL") ?? "Information";
        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(logLevel, ignoreCase: true, out _))
        {
            throw new ConfigurationException("SCAIGRID_LOG_LEVEL", $"unknown level '{logLevel}' (expected Trace, Debug, Information, Warning, Error, Critical)");
        }

        var maxBody = Get("SCAIGRID_MAX_BODY_BYTES") is { } mb
            ? (long.TryParse(mb, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1024 ? n : throw new ConfigurationException("SCAIGRID_MAX_BODY_BYTES", $"'{mb}' is not a whole number of bytes ≥ 1024"))
            : 32L * 1024 * 1024;

        var urls = urlsOverride ?? Get("ASPNETCORE_URLS") ?? Get("SCAIGRID_HTTP_URLS") ?? DefaultHttpUrls;
        ValidateUrls(urls, urlsOverride is null && Get("ASPNETCORE_URLS") is not null ? "ASPNETCORE_URLS" : "--urls");
        var grpcUrls = Get("SCAIGRID_GRPC_URLS") ?? DefaultGrpcUrls;
        ValidateUrls(grpcUrls, "SCAIGRID_GRPC_URLS");

        var modulePath = Get("SCAIGRID_MODULE_PATH");
        if (modulePath is not null && !Directory.Exists(modulePath))
        {
            throw new ConfigurationException("SCAIGRID_MODULE_PATH", $"directory '{modulePath}' does not exist");
        }

        var drainGrace = ParseSeconds(Get("SCAIGRID_DRAIN_GRACE_S"), "SCAIGRID_DRAIN_GRACE_S", 30, 0, 3600);
        var corsOrigins = SplitList(Get("SCAIGRID_CORS_ORIGINS"));
        var corsCredentials = ParseBool(Get("SCAIGRID_CORS_CREDENTIALS"), "SCAIGRID_CORS_CREDENTIALS", false);
        foreach (var origin in corsOrigins)
        {
            if (origin == "*")
            {
                if (corsCredentials)
                {
                    throw new ConfigurationException("SCAIGRID_CORS_ORIGINS", "'*' cannot be combined with SCAIGRID_CORS_CREDENTIALS=true (browsers refuse it); list the origins");
                }
            }
            else if (!Uri.TryCreate(origin, UriKind.Absolute, out var o) || o.Scheme is not ("http" or "https") || o.AbsolutePath != "/" || origin.EndsWith('/'))
            {
                throw new ConfigurationException("SCAIGRID_CORS_ORIGINS", $"'{origin}' is not an origin such as https://app.example.com (scheme, host and optional port, no path)");
            }
        }

        var corsMethods = SplitList(Get("SCAIGRID_CORS_METHODS")) is { Count: > 0 } methods ? methods.Select(x => x.ToUpperInvariant()).ToList() : DefaultCorsMethods;
        var corsHeaders = SplitList(Get("SCAIGRID_CORS_HEADERS")) is { Count: > 0 } headers ? headers : DefaultCorsHeaders;
        var corsMaxAge = ParseSeconds(Get("SCAIGRID_CORS_MAX_AGE_S"), "SCAIGRID_CORS_MAX_AGE_S", 600, 0, 86400);

        Uri? otlp = null;
        if (Get("SCAIGRID_OTLP_ENDPOINT") is { } otlpValue && (!Uri.TryCreate(otlpValue, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
        {
            throw new ConfigurationException("SCAIGRID_OTLP_ENDPOINT", $"'{otlpValue}' is not an http(s) URL such as http://otel-collector:4317");
        }

        var otlpProtocol = (Get("SCAIGRID_OTLP_PROTOCOL") ?? "grpc").ToLowerInvariant();
        if (otlpProtocol is not ("grpc" or "http/protobuf"))
        {
            throw new ConfigurationException("SCAIGRID_OTLP_PROTOCOL", $"unknown protocol '{otlpProtocol}' (expected grpc or http/protobuf)");
        }

        return new ScaiGridSettings
        {
            Mode = mode,
            IsProduction = production,
            Database = database,
            RedisConfiguration = redis,
            RedisDisplay = redisDisplay,
            AuthDisabled = authDisabled,
            Jwt = Auth.Jwt.JwtSettings.Parse(Get),
            SecretKey = key,
            SecretKeySource = keySource,
            ConfigFile = configFile,
            Modules = modules,
            ModulePath = modulePath,
            ModuleVariables = env
                .Where(p => p.Key.StartsWith("SCAIGRID_MODULE_", StringComparison.Ordinal) && p.Key != "SCAIGRID_MODULE_PATH" && p.Value is not null)
                .ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal),
            DataDirectory = dataDir,
            HttpUrls = urls,
            GrpcUrls = grpcUrls,
            MaxRequestBodyBytes = maxBody,
            LogFormat = logFormat,
            LogLevel = logLevel,
            Dispatch = ParseDispatch(Get),
            UsageStaleBatch = Get("SCAIGRID_USAGE_STALE_BATCH_S") is { } stale
                ? (int.TryParse(stale, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 3600 ? TimeSpan.FromSeconds(s) : throw new ConfigurationException("SCAIGRID_USAGE_STALE_BATCH_S", $"'{stale}' is not a whole number of seconds between 1 and 3600"))
                : TimeSpan.FromSeconds(60),
            RateLimitPaths = ParseRateLimitPaths(Get("SCAIGRID_RATE_LIMIT_PATHS")),
            AutoMigrate = ParseBool(Get("SCAIGRID_AUTO_MIGRATE"), "SCAIGRID_AUTO_MIGRATE", database.Engine == DatabaseEngine.Sqlite),
            DrainGrace = drainGrace,
            CorsOrigins = corsOrigins,
            CorsMethods = corsMethods,
            CorsHeaders = corsHeaders,
            CorsMaxAge = corsMaxAge,
            CorsCredentials = corsCredentials,
            OtlpEndpoint = otlp,
            OtlpProtocol = otlpProtocol,
        };
    }

    private static DispatchOptions ParseDispatch(Func<string, string?> get)
    {
        var defaults = new DispatchOptions();
        TimeSpan Seconds(string variable, TimeSpan fallback, double min, double max)
        {
            if (get(variable) is not { } raw)
            {
                return fallback;
            }

            return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? TimeSpan.FromSeconds(v)
                : throw new ConfigurationException(variable, $"'{raw}' is not a number of seconds between {min} and {max}");
        }

        int Whole(string variable, int fallback, int min, int max)
        {
            if (get(variable) is not { } raw)
            {
                return fallback;
            }

            return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new ConfigurationException(variable, $"'{raw}' is not a whole number between {min} and {max}");
        }

        var ratio = get("SCAIGRID_BREAKER_FAILURE_RATIO") is { } r
            ? (double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 && parsed <= 1 ? parsed : throw new ConfigurationException("SCAIGRID_BREAKER_FAILURE_RATIO", $"'{r}' is not a ratio in (0, 1]"))
            : defaults.BreakerFailureRatio;
        return new DispatchOptions
        {
            ConnectTimeout = Seconds("SCAIGRID_DISPATCH_CONNECT_TIMEOUT_S", defaults.ConnectTimeout, 0.1, 300),
            FirstByteTimeout = Seconds("SCAIGRID_DISPATCH_FIRST_BYTE_TIMEOUT_S", defaults.FirstByteTimeout, 0.1, 3600),
            TotalTimeout = Seconds("SCAIGRID_DISPATCH_STREAM_TIMEOUT_S", defaults.TotalTimeout, 1, 86400),
            MaxAttempts = Whole("SCAIGRID_DISPATCH_MAX_ATTEMPTS", defaults.MaxAttempts, 1, 20),
            MaxRetryAfter = Seconds("SCAIGRID_DISPATCH_MAX_RETRY_AFTER_S", defaults.MaxRetryAfter, 0, 600),
            BreakerConsecutiveFailures = Whole("SCAIGRID_BREAKER_CONSECUTIVE_FAILURES", defaults.BreakerConsecutiveFailures, 1, 1000),
            BreakerFailureRatio = ratio,
            BreakerMinimumThroughput = Whole("SCAIGRID_BREAKER_MIN_THROUGHPUT", defaults.BreakerMinimumThroughput, 1, 100000),
            BreakerWindow = Seconds("SCAIGRID_BREAKER_WINDOW_S", defaults.BreakerWindow, 1, 3600),
            BreakerCooldown = Seconds("SCAIGRID_BREAKER_COOLDOWN_S", defaults.BreakerCooldown, 0.1, 3600),
        };
    }

    private static List<string> SplitList(string? value) =>
        (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    private static TimeSpan ParseSeconds(string? value, string variable, int fallback, int min, int max)
    {
        if (value is null)
        {
            return TimeSpan.FromSeconds(fallback);
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? TimeSpan.FromSeconds(n)
            : throw new ConfigurationException(variable, $"'{value}' is not a whole number of seconds between {min} and {max}");
    }

    private static IReadOnlyList<string> ParseRateLimitPaths(string? value)
    {
        if (value is null)
        {
            return RateLimiting.RateLimitingOptions.DefaultPathPrefixes;
        }

        if (value.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var paths = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.TrimEnd('/')).ToList();
        return paths.All(p => p.Length > 1 && p[0] == '/')
            ? paths
            : throw new ConfigurationException("SCAIGRID_RATE_LIMIT_PATHS", $"'{value}' is not a comma-separated list of paths such as /v1/inference,/oai/v1 (or none)");
    }

    public static RuntimeMode ParseMode(string value) => value.ToLowerInvariant() switch
    {
        "http" => RuntimeMode.Http,
        "grpc" => RuntimeMode.Grpc,
        "worker" => RuntimeMode.Worker,
        "migrate" => RuntimeMode.Migrate,
        _ => throw new ConfigurationException("SCAIGRID_MODE", $"unknown mode '{value}' (expected http, grpc, worker or migrate)"),
    };

    private static bool ParseBool(string? value, string variable, bool fallback) => value?.ToLowerInvariant() switch
    {
        null => fallback,
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new ConfigurationException(variable, $"'{value}' is not a boolean (expected true or false)"),
    };

    private static void ValidateUrls(string urls, string variable)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ConfigurationException(variable, $"'{url}' is not an http(s) URL such as http://127.0.0.1:8000");
            }
        }
    }

    private static (string? Configuration, string? Display) ParseRedis(string? url)
    {
        if (url is null)
        {
            return (null, null);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new ConfigurationException("SCAIGRID_REDIS_URL", $"expected redis://[:password@]host[:port][/db], got '{Redact(url)}'");
        }

        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}", "abortConnect=false" };
        if (uri.Scheme == "rediss")
        {
            parts.Add("ssl=true");
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[..colon]);
            var password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            if (user.Length > 0)
            {
                parts.Add("user=" + user);
            }

            parts.Add("password=" + password);
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                throw new ConfigurationException("SCAIGRID_REDIS_URL", $"database '{path}' is not a number");
            }

            parts.Add("defaultDatabase=" + db.ToString(CultureInfo.InvariantCulture));
        }

        return (string.Join(',', parts), Redact(url));
    }

    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme > 0 && at > scheme ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : url;
    }

    /// <summary>
    /// The key must be shared by every replica, so it is required on server databases and in production.
    /// On the embedded default (SQLite, development) one is generated once into the data directory.
    /// </summary>
    private static (byte[] Key, string Source) ResolveSecretKey(string? value, DatabaseUrl database, bool production, string dataDir)
    {
        if (value is not null)
        {
            return (DecodeKey(value) ?? throw new ConfigurationException("SCAIGRID_SECRET_KEY", "must be 32 random bytes as base64 (44 characters) or hex (64 characters); generate one with `openssl rand -base64 32`"), "SCAIGRID_SECRET_KEY");
        }

        if (production || database.Engine != DatabaseEngine.Sqlite)
        {
            throw new ConfigurationException("SCAIGRID_SECRET_KEY", "is required in production and with a server database (every replica must share it); generate one with `openssl rand -base64 32`");
        }

        var path = Path.Combine(dataDir, "secret.key");
        if (File.Exists(path))
        {
            return (DecodeKey(File.ReadAllText(path).Trim()) ?? throw new ConfigurationException("SCAIGRID_SECRET_KEY", $"the generated key file '{path}' is corrupt"), path);
        }

        Directory.CreateDirectory(dataDir);
        var key = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.Write(Convert.ToBase64String(key));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; use theirs.
            return (DecodeKey(File.ReadAllText(path).Trim())!, path);
        }

        return (key, path);
    }

    private static byte[]? DecodeKey(string value)
    {
        try
        {
            var bytes = value.Length == 64 ? Convert.FromHexString(value) : Convert.FromBase64String(value);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
