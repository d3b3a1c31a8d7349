#!/usr/bin/env bash
# Run every test of the solution — the one command for developers and CI.
#
#   bash scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Redis]
#
# Starts the private MariaDB/Redis (scripts/services.sh), builds Release, runs `dotnet test`, and
# prints from the TRX files a per-project summary and, as the very LAST line, `N passed, N failed`
# (`, N skipped` appended only when something was skipped) — CI reads that line, because neither
# xunit nor dotnet test prints one of its own. Exits non-zero if anything failed or the run crashed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild node processes left behind to hold files or outlive the run.
export MSBUILDDISABLENODEREUSE=1

RESULTS="$REPO/TestResults"
TEST_TIMEOUT=4500   # 75 min bound on the whole dotnet test run

services_up=0
final_printed=0

stop_services() {
  if (( services_up )); then
    services_up=0
    scripts/services.sh stop || echo "test.sh: WARNING: services.sh stop failed" >&2
  fi
}

# The summary must be the last line, so services are stopped (their log lines printed) before it.
finish() {
  local passed="$1" failed="$2" skipped="$3"
  stop_services
  final_printed=1
  if (( skipped > 0 )); then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  if (( failed > 0 )); then exit 1; fi
  exit 0
}

# Whatever ends the script early (set -e, a signal), services stop and CI still gets a summary line.
on_exit() {
  local rc=$?
  trap - EXIT
  stop_services
  if (( ! final_printed )); then
    echo "test.sh: aborted (exit code $rc)" >&2
    echo "0 passed, 1 failed"
    exit $(( rc == 0 ? 1 : rc ))
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

services_up=1   # set before start: a half-started service is stopped too
if ! scripts/services.sh start; then
  echo "test.sh: ERROR: could not start the test services (see above)" >&2
  finish 0 1 0
fi
# shellcheck source=/dev/null
source "$REPO/.test-services/env"

echo "test.sh: building ScaiGrid.slnx (Release)" >&2
if ! dotnet build ScaiGrid.slnx -c Release; then
  echo "test.sh: ERROR: build failed, no tests were run" >&2
  finish 0 1 0
fi

rm -rf "$RESULTS"
echo "test.sh: running tests" >&2
test_rc=0
timeout --kill-after=60 "$TEST_TIMEOUT" \
  dotnet test ScaiGrid.slnx -c Release --no-build \
    --logger "trx;LogFilePrefix=results" --results-directory "$RESULTS" "$@" \
  || test_rc=$?
if (( test_rc == 124 || test_rc == 137 )); then
  echo "test.sh: ERROR: dotnet test did not finish within ${TEST_TIMEOUT}s and was killed" >&2
fi

# Sum the <Counters> of every TRX; print one line per test assembly, then "passed failed skipped".
# Skipped = total - executed (how xunit's skips appear); errors/timeouts/aborts count as failures, and a run
# whose outcome is failed/aborted without any failed test (crashed test host) counts as one failure.
summary="$(python3 - "$RESULTS" <<'PY'
import glob, os, re, sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
projects = {}

def assembly_name(root):
    # From the tests' codeBase (UnitTest/@storage is lower-cased); a project without tests (or whose host
    # crashed) has none, but the messages name the .dll ("No test is available in …", "Testhost process …").
    for m in root.iterfind(".//t:UnitTest/t:TestMethod", ns):
        if m.get("codeBase"):
            return os.path.splitext(os.path.basename(m.get("codeBase")))[0]
    texts = [e.text or "" for e in root.iterfind(".//t:RunInfo/t:Text", ns)]
    texts += [e.text or "" for e in root.iterfind(".//t:StdOut", ns)]
    for text in texts:
        m = re.search(r"([^/\\'\"\s]+)\.dll\b", text) or re.search(r"Discovering: (\S+)", text)
        if m:
            return m.group(1)
    return None

for path in sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True)):
    name = os.path.basename(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"  {name}: unreadable TRX ({e})", file=sys.stderr)
        projects.setdefault(name, [0, 1, 0])
        continue
    name = assembly_name(root) or name
    summary = root.find(".//t:ResultSummary", ns)
    c = summary.find("t:Counters", ns) if summary is not None else None
    get = lambda k: int(c.get(k, 0)) if c is not None else 0
    failed = get("failed") + get("error") + get("timeout") + get("aborted")
    # Skipped tests are "NotExecuted" results but the TRX logger leaves the notExecuted counter at 0.
    skipped = max(get("notExecuted"), get("total") - get("executed"))
    outcome = (summary.get("outcome", "") if summary is not None else "").lower()
    if failed == 0 and outcome in ("failed", "aborted", "error"):
        failed = 1
        print(f"  {name}: run outcome '{outcome}' without a failed test (test host crash?)", file=sys.stderr)
    p = projects.setdefault(name, [0, 0, 0])
    p[0] += get("passed"); p[1] += failed; p[2] += skipped
for name, (p, f, s) in sorted(projects.items()):
    print(f"  {name}: {p} passed, {f} failed, {s} skipped")
t = [sum(v[i] for v in projects.values()) for i in range(3)]
print(len(projects), *t)
PY
)" || { echo "test.sh: ERROR: could not parse the TRX files" >&2; finish 0 1 0; }

per_project="$(sed '$d' <<<"$summary")"
read -r trx_count passed failed skipped <<<"$(tail -n 1 <<<"$summary")"

echo "test.sh: results per test assembly:"
if [[ -n "$per_project" ]]; then echo "$per_project"; fi

if (( trx_count == 0 )); then
  echo "test.sh: ERROR: no TRX results in $RESULTS (dotnet test exit code $test_rc): the run crashed" >&2
  (( failed == 0 )) && failed=1
elif (( test_rc != 0 && failed == 0 )); then
  echo "test.sh: ERROR: dotnet test exited with code $test_rc but no test failed: counting the run as failed" >&2
  failed=1
fi

finish "$passed" "$failed" "$skipped"
