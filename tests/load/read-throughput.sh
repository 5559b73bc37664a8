#!/usr/bin/env bash
# Load test (issue 4's performance expectation): the same FHIR read answered by
#   (a) the record store alone, on its own host (`DsnGateway store`), and
#   (b) the gateway: authenticated (JWT), authorized (scope + care relationship), audited (durable), proxied.
# Both run in Release from copies of one sample database, one after the other, on this machine, with wrk
# at 64 connections. Prints requests/s of each and the ratio. Loopback only; bounded in time.
# Usage: tests/load/read-throughput.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }

dotnet build src/DsnGateway -c Release -nologo -v:quiet >/dev/null
dll=src/DsnGateway/bin/Release/net10.0/DsnGateway.dll
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export DOTNET_ENVIRONMENT=Development
export DSN_Serilog__MinimumLevel__Default=Warning

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
wrk -t2 -c64 -d"${duration}s" --latency http://127.0.0.1:18182/Patient/sample-nim-tremblay | tee "$work/store.txt"
kill $store; wait $store 2>/dev/null || true

dotnet "$dll" serve --urls http://127.0.0.1:18183 --mllp 127.0.0.1:0 --data-dir "$work/gateway" >"$work/gw.log" 2>&1 &
gw=$!
wait_for http://127.0.0.1:18183/healthz
token=$(dotnet "$dll" token --data-dir "$work/gateway" --sub dr.bench --scope "user/*.rs" --role clinician --establishment NIM)
echo "== gateway (JWT, scope, care relationship, audit): GET /fhir/Patient/sample-nim-tremblay"
wrk -t2 -c64 -d"${duration}s" --latency -H "Authorization: Bearer $token" http://127.0.0.1:18183/fhir/Patient/sample-nim-tremblay | tee "$work/gw.txt"
kill $gw; wait $gw 2>/dev/null || true
audited=$(dotnet "$dll" audit verify --data-dir "$work/gateway")

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
s=$(rate "$work/store.txt"); g=$(rate "$work/gw.txt")
echo
echo "store alone:  $s req/s"
echo "gateway:      $g req/s"
echo "ratio:        $(awk -v g="$g" -v s="$s" 'BEGIN { printf "%.2f", g / s }')"
echo "audit:        $audited"
grep -h "Non-2xx" "$work/store.txt" "$work/gw.txt" || true
