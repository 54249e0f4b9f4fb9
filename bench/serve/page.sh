#!/usr/bin/env bash
# The web page at / in a real browser: headless Chromium (Debian's `chromium`) picks an image,
# the page shows the top-5 (checked against the server's own answer) and the heat map, and a
# screenshot is saved. Node 20+ drives it over the DevTools protocol (no other dependency).
# usage: bench/serve/page.sh MODEL_FILE [IMAGE]      (writes target/serve-page/page.png)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
model_file=${1:?usage: bench/serve/page.sh MODEL_FILE [IMAGE]}
image=$(realpath "${2:-$root/cvt-core/src/test/resources/image/chelsea.png}")
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${PORT:-$(free_port)} devtools=${DEVTOOLS_PORT:-$(free_port)}
out=$root/target/serve-page
mkdir -p "$out"
profile=$(mktemp -d)
"$root/bin/cvt" serve --model "m=$model_file" --port "$port" > "$out/server.log" 2>&1 &
server=$!
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --remote-debugging-address=127.0.0.1 \
  --remote-debugging-port="$devtools" about:blank > "$out/chromium.log" 2>&1 &
browser=$!
cleanup() { kill $browser 2> /dev/null; kill -TERM $server 2> /dev/null; wait $server $browser 2> /dev/null; rm -rf "$profile"; }
trap cleanup EXIT
for _ in $(seq 240); do
  curl -sf "http://127.0.0.1:$port/v2" 2> /dev/null | grep -q cvt-serve && curl -sf "http://127.0.0.1:$devtools/json/version" > /dev/null 2>&1 && break
  kill -0 $server 2> /dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.5
done
node --experimental-websocket --no-warnings "$root/bench/serve/page.mjs" "$devtools" "http://127.0.0.1:$port" "$image" "$out/page.png"
