#!/usr/bin/env bash
# Load run: GetCustomerContext at a fixed concurrency over TCP against a
# fresh server on the embedded store with the demo data, measured by ghz.
#   bash scripts/load.sh [concurrency] [total requests]
# Needs ghz: go install github.com/bojand/ghz/cmd/ghz@v0.121.0
set -euo pipefail
cd "$(dirname "$0")/.."
conc=${1:-16}
total=${2:-30000}
port=${PORT:-50081}
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/rapport" ./cmd/rapport
# Rate limits off: this measures capacity, not the limits.
"$dir/rapport" serve --demo --listen "127.0.0.1:$port" --data-dir "$dir/data" --log-level warn --tenant-rate 0 --key-rate 0 &
pid=$!
for _ in $(seq 100); do
  "$ghz" --insecure --call rapport.v1.ContextService/GetCustomerContext -n 1 \
    -d '{"customer":"customers/ada-lovelace"}' "127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.2
done
"$ghz" --insecure --call rapport.v1.ContextService/GetCustomerContext \
  -d '{"customer":"customers/ada-lovelace","channel":"CHANNEL_EMAIL"}' \
  -c "$conc" -n "$total" "127.0.0.1:$port"
