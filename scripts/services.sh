#!/usr/bin/env bash
# Private MariaDB + Redis for the test suite.
#
#   scripts/services.sh start   install what is missing, start (or reuse) the servers, write .test-services/env
#   scripts/services.sh stop    stop exactly the servers that `start` launched (by their pid files)
#   scripts/services.sh env     print the exports the tests read
#
# Everything lives under $REPO/.test-services and listens on 127.0.0.1 on non-default ports, so a
# test run never touches a system server (3306/6379, /var/lib/mysql) or one it did not start.
# Debian services do not auto-start here (policy-rc.d), which is why we launch the daemons ourselves.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$REPO/.test-services"

MARIADB_PORT="${SCAIGRID_TEST_MARIADB_PORT:-33306}"
REDIS_PORT="${SCAIGRID_TEST_REDIS_PORT:-16379}"

MARIADB_DATADIR="$STATE/mariadb"
MARIADB_PID="$STATE/mariadb.pid"
MARIADB_LOG="$STATE/mariadb.err"
# Marker written only after mariadb-install-db succeeded: a half-initialised datadir is re-created.
MARIADB_INITIALISED="$STATE/mariadb.initialised"
REDIS_PID="$STATE/redis.pid"
REDIS_LOG="$STATE/redis.log"
ENV_FILE="$STATE/env"

STARTUP_TIMEOUT=60   # seconds a server gets to answer after launch
SHUTDOWN_TIMEOUT=30  # seconds a server gets to exit after SIGTERM before SIGKILL

log() { echo "services: $*" >&2; }
die() { echo "services: ERROR: $*" >&2; exit 1; }

# A unix socket path is limited to 107 bytes; deep checkouts fall back to a per-repo name in /tmp.
mariadb_socket() {
  local sock="$STATE/mariadb.sock"
  if (( ${#sock} > 100 )); then
    sock="${TMPDIR:-/tmp}/scaigrid-mariadb-$(printf '%s' "$REPO" | cksum | cut -d' ' -f1).sock"
  fi
  printf '%s\n' "$sock"
}
MARIADB_SOCK="$(mariadb_socket)"

print_env() {
  echo "export SCAIGRID_TEST_MARIADB_URL=mariadb://sg:sg@127.0.0.1:${MARIADB_PORT}/scaigrid_test"
  echo "export SCAIGRID_TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}"
}

find_mariadbd() {
  if command -v mariadbd >/dev/null 2>&1; then command -v mariadbd
  elif [[ -x /usr/sbin/mariadbd ]]; then echo /usr/sbin/mariadbd
  else return 1
  fi
}

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }

# Install the Debian packages only when one of their binaries is missing (apt-get update is slow).
ensure_packages() {
  if find_mariadbd >/dev/null && have redis-server && have redis-cli && have nginx && have wrk \
     && have mariadb-install-db && have mariadb-admin && have mariadb; then
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "mariadb-server/redis-server/nginx/wrk missing and not root: install them first"
  command -v apt-get >/dev/null 2>&1 || die "packages missing and apt-get not available"
  export DEBIAN_FRONTEND=noninteractive
  # Other worktrees may run apt at the same time: wait for the dpkg/apt locks instead of failing.
  local apt_opts=(-o DPkg::Lock::Timeout=600)
  log "installing mariadb-server redis-server nginx wrk"
  local try
  for try in 1 2 3; do
    apt-get "${apt_opts[@]}" update -q >/dev/null && break
    (( try == 3 )) && die "apt-get update failed"
    sleep 5
  done
  apt-get "${apt_opts[@]}" install -y -q --no-install-recommends \
    mariadb-server mariadb-client redis-server redis-tools nginx wrk >/dev/null \
    || die "apt-get install failed"
}

# True if $1 is a live process of binary $2 whose working directory is inside $STATE.
# Both servers chdir into a directory of ours (datadir / --dir), so this guards against a recycled pid
# belonging to somebody else's process.
is_ours() {
  local pid="$1" comm="$2" cwd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm"* ]] || return 1
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || return 1
  [[ "$cwd" == "$STATE" || "$cwd" == "$STATE"/* ]]
}

read_pid() { [[ -f "$1" ]] && tr -dc '0-9' <"$1" || true; }

# Something (not ours) already accepting connections on the port?
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mariadb_ping() { mariadb-admin --no-defaults --socket="$MARIADB_SOCK" -u "$(id -un)" --connect-timeout=2 ping >/dev/null 2>&1; }
redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

# wait_ready NAME PID PING_FN LOGFILE: poll until the server answers; fail (with its log) if it dies or hangs.
wait_ready() {
  local name="$1" pid="$2" ping="$3" logfile="$4" deadline=$(( SECONDS + STARTUP_TIMEOUT ))
  until "$ping"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) exited during startup; last log lines:"
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      die "$name failed to start"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      die "$name did not answer within ${STARTUP_TIMEOUT}s (pid $pid, log $logfile)"
    fi
    sleep 0.2
  done
}

start_mariadb() {
  local mariadbd pid user
  mariadbd="$(find_mariadbd)" || die "mariadbd not found"
  pid="$(read_pid "$MARIADB_PID")"
  if is_ours "$pid" mariadbd; then
    wait_ready mariadb "$pid" mariadb_ping "$MARIADB_LOG"
    log "mariadb already running (pid $pid, port $MARIADB_PORT), reusing"
  else
    rm -f "$MARIADB_PID"
    port_busy "$MARIADB_PORT" && die "127.0.0.1:$MARIADB_PORT is in use by a server this script did not start; set SCAIGRID_TEST_MARIADB_PORT"
    # mariadbd refuses to run as root unless told so explicitly; as root we keep the files owned by
    # root (same owner as the checkout, no traversal problems for a `mysql` user), else the caller.
    user="$(id -un)"
    if [[ ! -f "$MARIADB_INITIALISED" ]]; then
      rm -rf "$MARIADB_DATADIR"
      mkdir -p "$MARIADB_DATADIR"
      log "initialising $MARIADB_DATADIR"
      # --no-defaults: never pick up /etc/mysql/*.cnf (system datadir, socket, port).
      mariadb-install-db --no-defaults --user="$user" --datadir="$MARIADB_DATADIR" \
        --auth-root-authentication-method=socket --skip-test-db >"$STATE/mariadb-install.log" 2>&1 \
        || { tail -n 20 "$STATE/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
      touch "$MARIADB_INITIALISED"
    fi
    rm -f "$MARIADB_SOCK"
    # Small and fast rather than durable: the data is throw-away test data.
    "$mariadbd" --no-defaults --user="$user" \
      --datadir="$MARIADB_DATADIR" --socket="$MARIADB_SOCK" --pid-file="$MARIADB_PID" \
      --log-error="$MARIADB_LOG" --bind-address=127.0.0.1 --port="$MARIADB_PORT" \
      --skip-name-resolve --skip-log-bin --max-connections=500 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=128M \
      --innodb-log-file-size=48M --innodb-doublewrite=0 \
      </dev/null >>"$MARIADB_LOG" 2>&1 &
    pid=$!
    # Record the pid ourselves at once so `stop` works even if startup fails halfway.
    echo "$pid" >"$MARIADB_PID"
    wait_ready mariadb "$pid" mariadb_ping "$MARIADB_LOG"
    log "mariadb started (pid $pid, 127.0.0.1:$MARIADB_PORT)"
  fi
  # Idempotent; tests create and drop their own databases, hence the global grant.
  mariadb --no-defaults --socket="$MARIADB_SOCK" -u "$(id -un)" -e "
    CREATE USER IF NOT EXISTS 'sg'@'127.0.0.1' IDENTIFIED BY 'sg';
    GRANT ALL PRIVILEGES ON *.* TO 'sg'@'127.0.0.1' WITH GRANT OPTION;
    CREATE DATABASE IF NOT EXISTS scaigrid_test;" || die "could not create user sg / database scaigrid_test"
}

start_redis() {
  local pid
  pid="$(read_pid "$REDIS_PID")"
  if is_ours "$pid" redis-server; then
    wait_ready redis "$pid" redis_ping "$REDIS_LOG"
    log "redis already running (pid $pid, port $REDIS_PORT), reusing"
    return 0
  fi
  rm -f "$REDIS_PID"
  port_busy "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is in use by a server this script did not start; set SCAIGRID_TEST_REDIS_PORT"
  # No persistence: tests must not see data from an earlier run after a restart.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize no \
    --dir "$STATE" --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" \
    </dev/null >>"$REDIS_LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$REDIS_PID"
  wait_ready redis "$pid" redis_ping "$REDIS_LOG"
  log "redis started (pid $pid, 127.0.0.1:$REDIS_PORT)"
}

# stop_one NAME PIDFILE COMM: SIGTERM, bounded wait, then SIGKILL. Only if the pid is verifiably ours.
stop_one() {
  local name="$1" pidfile="$2" comm="$3" pid deadline
  pid="$(read_pid "$pidfile")"
  if [[ -z "$pid" ]]; then return 0; fi
  if ! is_ours "$pid" "$comm"; then
    log "$name: pid $pid not running (or not ours); nothing to stop"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( SECONDS + SHUTDOWN_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "$name (pid $pid) still running after ${SHUTDOWN_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
  log "$name stopped (pid $pid)"
}

cmd="${1:-}"
case "$cmd" in
  start)
    mkdir -p "$STATE"
    ensure_packages
    start_mariadb
    start_redis
    print_env >"$ENV_FILE"
    log "wrote $ENV_FILE"
    ;;
  stop)
    # Redis first: it is quick; MariaDB flushes InnoDB on SIGTERM.
    stop_one redis "$REDIS_PID" redis-server
    stop_one mariadb "$MARIADB_PID" mariadbd
    ;;
  env)
    print_env
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
