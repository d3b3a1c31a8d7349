#!/usr/bin/env python3
"""Turns bench/run.sh's raw wrk and curl outputs into the Markdown table of bench/results/latest.md.

usage: report.py RAW_DIR ROUNDS RSS_KB COMMIT DURATION_S TTFB_N [INSTALLATION] [FORWARDER_RSS_KB]

Every figure is the median over the rounds; "spread" is (max - min) / median of the 64-connection
throughput across rounds, so a reader sees when a round should be repeated (issue 8: > 10 % is not noise).
"""
import datetime
import glob
import os
import re
import statistics
import sys

raw, rounds, rss_kb, commit, duration, ttfb_n = sys.argv[1:7]
# What the installation held besides the bench's own tenant, key and models (BENCH_SCALE=1), if anything.
installation = sys.argv[7] if len(sys.argv) > 7 else "one tenant, one API key, three frontend models"
forwarder_rss_kb = sys.argv[8] if len(sys.argv) > 8 else None
rounds = int(rounds)

# Issue 8's targets.
MAX_ADDED_P50_US = 60.0
MAX_ADDED_VS_NGINX = 2.0
MIN_SHARE_OF_FLOOR = 0.60
MAX_P99_MS = 8.0
MAX_RSS_MIB = 120.0
MAX_ADDED_TTFB_MS = 1.0
NOISY_SPREAD = 0.10

TARGETS = [
    ("direct", "(a) direct to the mock", "POST :18081/v1/chat/completions"),
    ("nginx", "(b) nginx reverse proxy (floor)", "POST :18082/v1/chat/completions"),
    ("forwarder", "(g) plain ASP.NET Core forwarder", "POST :18083/v1/chat/completions (bench/forwarder)"),
    ("oai", "(c) ScaiGrid OpenAI-compatible", "POST /oai/v1/chat/completions, bench/openai"),
    ("native", "(d) ScaiGrid native", "POST /v1/inference/chat, bench/openai"),
    ("anthropic", "(f) ScaiGrid native → Anthropic", "POST /v1/inference/chat, bench/anthropic"),
]
UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}


def to_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not m:
        raise ValueError(f"unexpected latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(path):
    text = open(path).read()
    out = {"errors": 0}
    for pct, key in (("50", "p50"), ("90", "p90"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        out[key] = to_us(m.group(1)) if m else float("nan")
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    out["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["errors"] += int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["errors"] += sum(int(x) for x in m.groups()) if m else 0
    return out


def median_of(name, conns, key):
    values = []
    for r in range(1, rounds + 1):
        path = os.path.join(raw, f"{name}-c{conns}-r{r}.txt")
        if os.path.exists(path):
            values.append(parse_wrk(path)[key])
    return (statistics.median(values) if values else float("nan")), values


def errors_of(name):
    return sum(parse_wrk(p)["errors"] for p in glob.glob(os.path.join(raw, f"{name}-c*-r*.txt")))


def ttfb(name):
    """Median over rounds of each round's p50 time-to-first-byte (ms); also the count of non-200 answers."""
    p50s, bad = [], 0
    for r in range(1, rounds + 1):
        path = os.path.join(raw, f"ttfb-{name}-r{r}.txt")
        if not os.path.exists(path):
            continue
        samples = []
        for line in open(path):
            status, seconds = line.split()
            if status != "200":
                bad += 1
            samples.append(float(seconds) * 1000.0)
        if samples:
            p50s.append(statistics.median(samples))
    return (statistics.median(p50s) if p50s else float("nan")), bad


def fmt_us(v):
    return "n/a" if v != v else (f"{v:.0f} µs" if v < 1000 else f"{v / 1000:.2f} ms")


rows = {}
for name, _, _ in TARGETS:
    p50, _ = median_of(name, 1, "p50")
    p90, _ = median_of(name, 1, "p90")
    p99_1, _ = median_of(name, 1, "p99")
    rps, rps_all = median_of(name, 64, "rps")
    p99_64, _ = median_of(name, 64, "p99")
    spread = (max(rps_all) - min(rps_all)) / rps if rps_all and rps else float("nan")
    rows[name] = dict(p50=p50, p90=p90, p99_1=p99_1, rps=rps, p99_64=p99_64, spread=spread, errors=errors_of(name))

direct, floor = rows["direct"], rows["nginx"]
nginx_added = floor["p50"] - direct["p50"]
added_limit = min(MAX_ADDED_P50_US, MAX_ADDED_VS_NGINX * nginx_added)

lines = []
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines.append(f"Commit `{commit}`, {now}, {os.cpu_count()} cores; {rounds} interleaved rounds, "
             f"wrk {duration} s per run; medians over rounds. Installation: {installation}.")
lines.append("")
lines.append("| target | request | 1 conn p50 | p90 | p99 | added p50 vs direct | 64 conn req/s | 64 conn p99 "
             "| % of nginx floor | spread | verdict |")
lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
overall = True
for name, label, request in TARGETS:
    r = rows[name]
    added = r["p50"] - direct["p50"]
    share = r["rps"] / floor["rps"] if floor["rps"] else float("nan")
    if name == "direct":
        verdict = "reference"
    elif name == "nginx":
        verdict = "floor"
    elif name == "forwarder":
        verdict = "reference: no auth, routing, budgets, limits or accounting"
    else:
        problems = []
        if not added <= added_limit:
            problems.append(f"added p50 > {added_limit:.0f} µs")
        if not share >= MIN_SHARE_OF_FLOOR:
            problems.append(f"< {MIN_SHARE_OF_FLOOR:.0%} of floor")
        if not r["p99_64"] <= MAX_P99_MS * 1000:
            problems.append(f"p99 > {MAX_P99_MS:g} ms")
        verdict = "PASS" if not problems else "FAIL: " + ", ".join(problems)
        overall &= not problems
    if r["errors"]:
        verdict += f" ({r['errors']} failed requests!)"
        overall = False
    noisy = " ⚠" if r["spread"] > NOISY_SPREAD else ""
    lines.append(
        f"| {label} | `{request}` | {fmt_us(r['p50'])} | {fmt_us(r['p90'])} | {fmt_us(r['p99_1'])} "
        f"| {'—' if name == 'direct' else ('+' if added >= 0 else '') + fmt_us(added)} "
        f"| {r['rps']:,.0f} | {fmt_us(r['p99_64'])} | {share:.0%} | {r['spread']:.0%}{noisy} | {verdict} |")

direct_ttfb, bad_direct = ttfb("direct-stream")
sg_ttfb, bad_sg = ttfb("sg-stream")
added_ttfb = sg_ttfb - direct_ttfb
ttfb_ok = added_ttfb <= MAX_ADDED_TTFB_MS and not bad_direct and not bad_sg
overall &= ttfb_ok
rss_mib = int(rss_kb) / 1024
rss_ok = rss_mib <= MAX_RSS_MIB
overall &= rss_ok

lines.append("")
lines.append("| other target | measured | limit | verdict |")
lines.append("|---|---:|---:|---|")
lines.append(f"| (e) stream time to first byte, p50 of {ttfb_n} per round: direct {direct_ttfb:.3f} ms, "
             f"ScaiGrid `/oai/v1/chat/completions` (bench/stream) {sg_ttfb:.3f} ms | +{added_ttfb:.3f} ms "
             f"| +{MAX_ADDED_TTFB_MS:g} ms | {'PASS' if ttfb_ok else 'FAIL'}"
             f"{f' ({bad_direct + bad_sg} non-200 answers!)' if bad_direct or bad_sg else ''} |")
lines.append(f"| ScaiGrid resident memory (VmRSS) after the run | {rss_mib:.0f} MiB | {MAX_RSS_MIB:g} MiB "
             f"| {'PASS' if rss_ok else 'FAIL'} |")
forwarder = rows.get("forwarder")
if forwarder and forwarder["rps"]:
    share_of_forwarder = rows["oai"]["rps"] / forwarder["rps"]
    beats = share_of_forwarder >= 1.0 and rows["oai"]["p50"] <= forwarder["p50"]
    overall &= beats
    memory = f", {int(forwarder_rss_kb) / 1024:.0f} MiB resident" if forwarder_rss_kb else ""
    lines.append(f"| ScaiGrid `/oai/v1` vs the plain forwarder (g){memory}: throughput, added p50 "
                 f"| {share_of_forwarder:.0%}, {('+' if rows['oai']['p50'] >= forwarder['p50'] else '')}"
                 f"{fmt_us(rows['oai']['p50'] - forwarder['p50'])} | ≥ 100 %, ≤ +0 µs | {'PASS' if beats else 'FAIL'} |")
lines.append(f"| nginx floor's own added p50 (for the ≤ 2× rule) | +{fmt_us(nginx_added)} | — | — |")
lines.append("")
lines.append(f"Overall: **{'PASS' if overall else 'FAIL'}**. Added-p50 limit this run: "
             f"min({MAX_ADDED_P50_US:g} µs, 2 × nginx's +{fmt_us(nginx_added)}) = {added_limit:.0f} µs. "
             f"⚠ marks a throughput spread over {NOISY_SPREAD:.0%} between rounds: repeat before trusting it.")
print("\n".join(lines))
