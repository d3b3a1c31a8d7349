-- wrk script: POST the JSON body in $BENCH_BODY with the bench API key, on every request.
-- The body is read once at start-up so the load loop does no file I/O; no response() callback,
-- because a Lua call per response would make wrk, not the target, the bottleneck.
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
