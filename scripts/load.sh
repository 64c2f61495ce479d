#!/usr/bin/env bash
# Load run: GetCustomerContext at a fixed concurrency over TCP against a
# fresh server on the embedded store with the demo data, measured by ghz.
#   bash scripts/load.sh [concurrency] [total requests]
#   AUTH=apikey bash scripts/load.sh ...   # callers authenticate with an API key
# Needs ghz: go install github.com/bojand/ghz/cmd/ghz@v0.121.0 (ghz@latest is
# v0.93.0, whose --proto mode cannot parse proto3 optional).
set -euo pipefail
cd "$(dirname "$0")/.."
conc=${1:-16}
total=${2:-30000}
port=${PORT:-50081}
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/rapport" ./cmd/rapport
# Rate limits off: this measures capacity, not the limits.
args=(serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level error --tenant-rate 0 --key-rate 0)
meta=()
if [ "${AUTH:-}" = apikey ]; then
  # Load the demo data in development mode first, then serve with API keys.
  "$dir/rapport" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level error --metrics-listen "" &
  pid=$!
  for _ in $(seq 100); do
    "$dir/rapport" seed --demo --addr "127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.2
  done
  kill $pid; wait $pid || true; pid=
  key=$("$dir/rapport" keys create --data-dir "$dir/data" --tenant default --scopes context.read 2>/dev/null)
  args+=(--api-keys)
  meta=(-m "{\"authorization\":\"Bearer $key\"}")
else
  args+=(--demo)
fi
"$dir/rapport" "${args[@]}" &
pid=$!
for _ in $(seq 100); do
  "$ghz" --insecure --call rapport.v1.ContextService/GetCustomerContext -n 1 "${meta[@]}" \
    -d '{"customer":"customers/ada-lovelace"}' "127.0.0.1:$port" 2>/dev/null | grep -q "OK" && break
  sleep 0.2
done
"$ghz" --insecure --call rapport.v1.ContextService/GetCustomerContext "${meta[@]}" \
  -d '{"customer":"customers/ada-lovelace","channel":"CHANNEL_EMAIL"}' \
  -c "$conc" -n "$total" "127.0.0.1:$port"
