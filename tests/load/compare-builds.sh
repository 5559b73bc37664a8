#!/usr/bin/env bash
# Before/after comparison of two source trees of the gateway (issue 12: "CPU per operation over at least three
# interleaved before/after runs"). Builds both in Release once, then runs ROUNDS rounds, each measuring both trees,
# before first in odd rounds and after first in even ones, so that the machine's changing load falls on both alike:
#   read      the tree's own tests/load/read-throughput.sh (store alone and audited gateway read: req/s, CPU µs/req)
#   mllp      `serve` (Development, embedded store, sample data), MLLP_MESSAGES distinct ADT^A01/A08 over
#             MLLP_CONNECTIONS connections (tests/load/mllp-send.py); ACKed/s until the last AA, applied/s until
#             inbox.db holds no pending message, gateway CPU µs per message (from the first send to the last delivery)
#   write     `store` alone, wrk PUTs of new Patients (tests/load/put-patients.lua) for WRITE_SECONDS at
#             WRITE_CONNECTIONS connections: writes/s, store CPU µs per write
#   bdn       tests/DsnGateway.Benchmarks ParseAndMapBenchmarks of the tree (BenchmarkDotNet, its short job):
#             mean µs and allocated KB per op of Parse, ParseAndMap, ParseAndMapAndSerialize
# CPU is utime + stime of the server process from /proc/<pid>/stat over the measured interval: the machine is
# shared, and CPU per operation moves far less with the load than throughput does. Each server runs in a fresh
# temporary data directory on loopback ports. Prints one TSV line per run and metric, then the medians per build.
# Usage: tests/load/compare-builds.sh BEFORE_DIR AFTER_DIR [ROUNDS=3]
#   environment: READ_SECONDS (10), WARMUP (5), MLLP_MESSAGES (2000), MLLP_CONNECTIONS (8), MLLP_WARMUP (400),
#   WRITE_SECONDS (10), WRITE_CONNECTIONS (8), MEASURES ("read mllp write bdn"), OUT (TSV file, default a temp file)
# Needs wrk (apt-get install -y wrk), python3, curl.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,22p' "$0"; exit 2; }
before_dir=$(cd "$1" && pwd); after_dir=$(cd "$2" && pwd); rounds=${3:-3}
read_seconds=${READ_SECONDS:-10}; warmup=${WARMUP:-5}
mllp_messages=${MLLP_MESSAGES:-2000}; mllp_connections=${MLLP_CONNECTIONS:-8}; mllp_warmup=${MLLP_WARMUP:-400}
write_seconds=${WRITE_SECONDS:-10}; write_connections=${WRITE_CONNECTIONS:-8}
measures=${MEASURES:-read mllp write bdn}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

work=$(mktemp -d /tmp/compare-builds.XXXXXX)
out=${OUT:-$work/runs.tsv}
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work/data"; }
trap cleanup EXIT
export DOTNET_ENVIRONMENT=Development DSN_Serilog__MinimumLevel__Default=Warning DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

load() { cut -d' ' -f1 /proc/loadavg; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
us_per() { awk -v a="$1" -v b="$2" -v t="$tck" -v n="$3" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / n }'; }
# URL PID: the URL answers, and from the process just started (a leftover process on the port would answer too)
wait_for() {
  for _ in $(seq 1 600); do
    kill -0 "$2" 2>/dev/null || { echo "the server exited (port in use?)" >&2; return 1; }
    curl -sf -o /dev/null "$1" && return 0; sleep 0.1
  done
  echo "no answer from $1" >&2; return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# record ROUND BUILD METRIC VALUE LOAD_START LOAD_END
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" | tee -a "$out"; }

echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print ".NET " v}')"
echo "before: $before_dir ($(git -C "$before_dir" rev-parse --short HEAD))"
echo "after:  $after_dir ($(git -C "$after_dir" rev-parse --short HEAD))"
echo "rounds: $rounds; measures: $measures; started $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

for dir in "$before_dir" "$after_dir"; do
  echo "building $dir (Release)..."
  dotnet build "$dir/src/DsnGateway" -c Release -nologo -v:quiet -clp:NoSummary >/dev/null
  case " $measures " in *" bdn "*) dotnet build "$dir/tests/DsnGateway.Benchmarks" -c Release -nologo -v:quiet -clp:NoSummary >/dev/null;; esac
done
printf 'round\tbuild\tmetric\tvalue\tload_start\tload_end\n' | tee "$out"

measure_read() { # ROUND BUILD DIR
  local l0 log=$work/read-$2-$1.txt; l0=$(load)
  (cd "$3" && WARMUP=$warmup tests/load/read-throughput.sh "$read_seconds") >"$log" 2>&1 || { echo "read run failed: $log" >&2; tail -5 "$log" >&2; return 0; }
  local l1; l1=$(load)
  local s g
  s=$(awk '/^store alone:/ {print $3, $5}' "$log"); g=$(awk '/^gateway:/ {print $2, $4}' "$log")
  record "$1" "$2" read.store.req_per_s "${s% *}" "$l0" "$l1"
  record "$1" "$2" read.store.cpu_us_per_req "${s#* }" "$l0" "$l1"
  record "$1" "$2" read.gateway.req_per_s "${g% *}" "$l0" "$l1"
  record "$1" "$2" read.gateway.cpu_us_per_req "${g#* }" "$l0" "$l1"
  grep -h "Non-2xx" "$log" >&2 || true
}

inbox_counts() { # DATA_DIR -> "pending delivered dead"
  python3 - "$1/inbox.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
r = dict(c.execute("select state, count(*) from messages group by state").fetchall())
print(r.get("pending", 0), r.get("delivered", 0), r.get("dead", 0))
PY
}
wait_applied() { # DATA_DIR TOTAL: until no message is pending and TOTAL are delivered or dead
  local p d x
  for _ in $(seq 1 6000); do
    read -r p d x < <(inbox_counts "$1" 2>/dev/null || echo "1 0 0")
    if [ "$p" = 0 ] && [ $((d + x)) -ge "$2" ]; then echo "$d $x"; return 0; fi
    sleep 0.05
  done
  echo "not applied after 300 s: pending $p delivered $d dead $x" >&2; return 1
}

measure_mllp() { # ROUND BUILD DIR
  local data=$work/data/mllp-$2-$1 dll=$3/src/DsnGateway/bin/Release/net10.0/DsnGateway.dll
  mkdir -p "$data"
  dotnet "$dll" serve --urls http://127.0.0.1:18191 --mllp 127.0.0.1:18192 --data-dir "$data" >"$work/mllp-$2-$1.log" 2>&1 &
  local gw=$!
  wait_for http://127.0.0.1:18191/readyz $gw
  # warm-up: other people, not measured
  python3 "$here/mllp-send.py" 127.0.0.1 18192 "$mllp_warmup" "$mllp_connections" W 5000 >/dev/null
  wait_applied "$data" "$mllp_warmup" >/dev/null
  local l0 c0 t0 sent acked c1 t1 applied l1; l0=$(load)
  c0=$(cpu_ticks $gw); t0=$(date +%s.%N)
  read -r sent acked < <(python3 "$here/mllp-send.py" 127.0.0.1 18192 "$mllp_messages" "$mllp_connections" M 0)
  applied=$(wait_applied "$data" $((mllp_warmup + mllp_messages)))
  c1=$(cpu_ticks $gw); t1=$(date +%s.%N); l1=$(load)
  stop $gw
  [ "${applied#* }" = 0 ] || echo "mllp: ${applied#* } messages dead-lettered" >&2
  record "$1" "$2" mllp.acked_per_s "$(awk -v n="$sent" -v s="$acked" 'BEGIN { printf "%.0f", n / s }')" "$l0" "$l1"
  record "$1" "$2" mllp.applied_per_s "$(awk -v n="$sent" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')" "$l0" "$l1"
  record "$1" "$2" mllp.cpu_us_per_msg "$(us_per "$c0" "$c1" "$sent")" "$l0" "$l1"
  rm -rf "$data"
}

measure_write() { # ROUND BUILD DIR
  local data=$work/data/store-$2-$1 dll=$3/src/DsnGateway/bin/Release/net10.0/DsnGateway.dll log=$work/write-$2-$1.txt
  mkdir -p "$data"
  dotnet "$dll" store --urls http://127.0.0.1:18193 --data-dir "$data" >"$work/store-$2-$1.log" 2>&1 &
  local st=$!
  wait_for http://127.0.0.1:18193/metadata $st
  PREFIX=warm wrk -t2 -c"$write_connections" -d"${warmup}s" -s "$here/put-patients.lua" http://127.0.0.1:18193 >/dev/null
  local l0 c0 c1 l1 n bad; l0=$(load); c0=$(cpu_ticks $st)
  PREFIX="r$1" wrk -t2 -c"$write_connections" -d"${write_seconds}s" -s "$here/put-patients.lua" http://127.0.0.1:18193 >"$log"
  c1=$(cpu_ticks $st); l1=$(load)
  stop $st
  n=$(awk '/requests in/ {print $1}' "$log"); bad=$(awk '/Non-2xx/ {print $NF}' "$log"); bad=${bad:-0}
  [ "$bad" = 0 ] || echo "write: $bad non-2xx answers" >&2
  record "$1" "$2" write.per_s "$(awk -v n="$n" -v b="$bad" -v s="$write_seconds" 'BEGIN { printf "%.0f", (n - b) / s }')" "$l0" "$l1"
  record "$1" "$2" write.cpu_us_per_write "$(us_per "$c0" "$c1" "$((n - bad))")" "$l0" "$l1"
  rm -rf "$data"
}

measure_bdn() { # ROUND BUILD DIR
  local art=$work/bdn-$2-$1 l0 l1; l0=$(load)
  (cd "$3/tests/DsnGateway.Benchmarks" && dotnet bin/Release/net10.0/DsnGateway.Benchmarks.dll \
      --filter '*ParseAndMapBenchmarks*' --artifacts "$art" --exporters csv) >"$art.log" 2>&1 \
    || { echo "bdn failed: $art.log" >&2; tail -5 "$art.log" >&2; return 0; }
  l1=$(load)
  python3 - "$art" <<'PY' | while IFS=$'\t' read -r m v; do record "$1" "$2" "$m" "$v" "$l0" "$l1"; done
import csv, glob, sys
f = glob.glob(f"{sys.argv[1]}/results/*ParseAndMapBenchmarks-report.csv")[0]
scale = {"ns": 1e-3, "us": 1, "μs": 1, "µs": 1, "ms": 1e3, "s": 1e6, "B": 1 / 1024, "KB": 1, "MB": 1024}
def num(cell):
    v, _, unit = cell.replace(",", "").partition(" ")
    return float(v) * scale.get(unit, 1)
for row in csv.DictReader(open(f, encoding="utf-8-sig")):
    print(f"bdn.{row['Method']}.mean_us\t{num(row['Mean']):.1f}")
    print(f"bdn.{row['Method']}.alloc_kb\t{num(row['Allocated']):.2f}")
PY
}

# Odd rounds measure before first, even rounds after first: a load that rises or falls during a round then
# favours each build alike instead of always the one measured second.
for r in $(seq 1 "$rounds"); do
  for m in $measures; do
    if [ $((r % 2)) = 1 ]; then
      measure_$m "$r" before "$before_dir"; measure_$m "$r" after "$after_dir"
    else
      measure_$m "$r" after "$after_dir"; measure_$m "$r" before "$before_dir"
    fi
  done
done

echo
echo "finished $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg); runs in $out"
echo "medians per build (n runs each), after/before:"
python3 - "$out" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
metrics = list(dict.fromkeys(r["metric"] for r in rows))
print(f"| metric | before median (min–max) | after median (min–max) | after / before |")
print("|---|---:|---:|---:|")
for m in metrics:
    vals = {b: [float(r["value"]) for r in rows if r["metric"] == m and r["build"] == b and r["value"]] for b in ("before", "after")}
    def cell(v): return f"{statistics.median(v):g} ({min(v):g}–{max(v):g}, n={len(v)})" if v else "—"
    ratio = f"{statistics.median(vals['after']) / statistics.median(vals['before']):.2f}" if vals["before"] and vals["after"] and statistics.median(vals["before"]) else "—"
    print(f"| {m} | {cell(vals['before'])} | {cell(vals['after'])} | {ratio} |")
PY
