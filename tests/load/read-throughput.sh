#!/usr/bin/env bash
# Load test (issue 4's performance expectation): the same FHIR read answered by
#   (a) the record store alone, on its own host (`DsnGateway store`), and
#   (b) the gateway: authenticated (JWT), authorized (scope + care relationship), audited (durable), forwarded
#       to the embedded store.
# Both run in Release from copies of one sample database, one after the other, on this machine, with wrk
# at 64 connections. Each process is first warmed up with the same load for WARMUP seconds (not measured):
# the runtime compiles hot code again, optimized, during its first seconds under load, and the gateway has
# far more of it than the store, so a cold run measures the JIT rather than the steady state. Prints
# requests/s of each, the ratio, and each process's CPU time per request. Loopback only; bounded in time.
# Usage: tests/load/read-throughput.sh [seconds per run, default 20]   (WARMUP=seconds, default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
warmup=${WARMUP:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }

dotnet build src/DsnGateway -c Release -nologo -v:quiet >/dev/null
dll=src/DsnGateway/bin/Release/net10.0/DsnGateway.dll
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export DOTNET_ENVIRONMENT=Development
export DSN_Serilog__MinimumLevel__Default=Warning

# utime + stime of a process, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_per_request() { awk -v a="$1" -v b="$2" -v t="$(getconf CLK_TCK)" -v r="$3" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / r }'; }
requests() { awk '/requests in/ {print $1}' "$1"; }
echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

wait_for() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1"; exit 1; }

# One gateway start loads the sample data; both runs then read the same patient from copies of it.
dotnet "$dll" serve --urls http://127.0.0.1:18181 --mllp 127.0.0.1:0 --data-dir "$work/gateway" >"$work/seed.log" 2>&1 &
seed=$!
wait_for http://127.0.0.1:18181/healthz
kill $seed; wait $seed 2>/dev/null || true
mkdir -p "$work/store"; cp "$work/gateway/records.db" "$work/store/records.db"

dotnet "$dll" store --urls http://127.0.0.1:18182 --data-dir "$work/store" >"$work/store.log" 2>&1 &
store=$!
wait_for http://127.0.0.1:18182/metadata
echo "== record store alone: GET /Patient/sample-nim-tremblay"
wrk -t2 -c64 -d"${warmup}s" http://127.0.0.1:18182/Patient/sample-nim-tremblay >/dev/null
before=$(cpu_ticks $store)
wrk -t2 -c64 -d"${duration}s" --latency http://127.0.0.1:18182/Patient/sample-nim-tremblay | tee "$work/store.txt"
store_cpu=$(cpu_per_request "$before" "$(cpu_ticks $store)" "$(requests "$work/store.txt")")
kill $store; wait $store 2>/dev/null || true

dotnet "$dll" serve --urls http://127.0.0.1:18183 --mllp 127.0.0.1:0 --data-dir "$work/gateway" >"$work/gw.log" 2>&1 &
gw=$!
wait_for http://127.0.0.1:18183/healthz
token=$(dotnet "$dll" token --data-dir "$work/gateway" --sub dr.bench --scope "user/*.rs" --role clinician --establishment NIM)
echo "== gateway (JWT, scope, care relationship, audit): GET /fhir/Patient/sample-nim-tremblay"
wrk -t2 -c64 -d"${warmup}s" -H "Authorization: Bearer $token" http://127.0.0.1:18183/fhir/Patient/sample-nim-tremblay >/dev/null
before=$(cpu_ticks $gw)
wrk -t2 -c64 -d"${duration}s" --latency -H "Authorization: Bearer $token" http://127.0.0.1:18183/fhir/Patient/sample-nim-tremblay | tee "$work/gw.txt"
gw_cpu=$(cpu_per_request "$before" "$(cpu_ticks $gw)" "$(requests "$work/gw.txt")")
kill $gw; wait $gw 2>/dev/null || true
audited=$(dotnet "$dll" audit verify --data-dir "$work/gateway")

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
s=$(rate "$work/store.txt"); g=$(rate "$work/gw.txt")
echo
echo "store alone:  $s req/s, ${store_cpu} µs CPU per request"
echo "gateway:      $g req/s, ${gw_cpu} µs CPU per request"
echo "ratio:        $(awk -v g="$g" -v s="$s" 'BEGIN { printf "%.2f", g / s }')"
echo "audit:        $audited"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (at the end)"
grep -h "Non-2xx" "$work/store.txt" "$work/gw.txt" || true
