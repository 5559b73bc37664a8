#!/usr/bin/env bash
# Runs every test suite of the DSN gateway: the .NET suites (unit, record store, gateway) and the
# conformance suite (independent Node.js FHIR client, official R4 JSON schema).
# Needs ../shared beside the repository (third-party FHIR and HL7 v2 data the suites read).
# Ends with one line: "N passed, M failed", summed over every suite. Exit 0 only if nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -f ../shared/DESIGN.md ]; then
  echo "The test suites need ../shared beside the repository (FHIR R4 definitions and examples, HL7 v2 samples)." >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0
failed=0
status=0
log=$(mktemp)

echo "== build"
if ! dotnet build DsnGateway.sln -c Debug -nologo -clp:NoSummary -v:quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== .NET test suites"
dotnet test DsnGateway.sln -c Debug --no-build -nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
while read -r f p; do
  failed=$((failed + f)); passed=$((passed + p))
done < <(sed -nE 's/.*(Passed|Failed)! +- +Failed: +([0-9]+), Passed: +([0-9]+).*/\2 \3/p' "$log")
if ! grep -qE '(Passed|Failed)! +- +Failed' "$log"; then
  echo "no .NET test summary found"; status=1; failed=$((failed + 1))
fi

echo "== conformance suite (Node.js)"
if (cd conformance && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  (cd conformance && DSN_GATEWAY_DLL="$root/src/DsnGateway/bin/Debug/net10.0/DsnGateway.dll" npm test) 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  # node's summary lines end "pass N" / "fail N" (after an "ℹ" or "#", whatever the locale).
  p=$(sed -nE 's/^[^ ]+ pass ([0-9]+)$/\1/p' "$log" | tail -1)
  f=$(sed -nE 's/^[^ ]+ fail ([0-9]+)$/\1/p' "$log" | tail -1)
  # A test cancelled because its set-up failed (a gateway that did not start) ran nothing: it counts as failed.
  c=$(sed -nE 's/^[^ ]+ cancelled ([0-9]+)$/\1/p' "$log" | tail -1)
  f=$(( ${f:-0} + ${c:-0} ))
  if [ -z "$p" ]; then echo "no conformance summary found"; status=1; f=$(( ${f:-0} + 1 )); fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
else
  cat "$log"
  echo "npm ci failed for the conformance suite"
  status=1; failed=$((failed + 1))
fi
rm -f "$log"

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
