#!/usr/bin/env bash
# Load test of `bin/cvt serve` on loopback with wrk: a model of random weights (CvT-13 at 224 by
# default), `bin/cvt bench --batch 1,16` for reference in the same run, then concurrency 1, 4, 16,
# 64 (throughput, p50/p99, statuses), overload (256 connections against a queue of 32: statuses,
# p99 of the 200s, heap / off-heap / resident memory over time), faults under load, and SIGTERM
# under load. Everything listens on 127.0.0.1 only and each point is bounded in time.
#
# usage: bench/serve/load.sh   (settings: DURATION=30 POINTS="1 4 16 64" MODEL=cvt-13 PORT=a free one BENCH=1)
# Needs Debian's wrk and curl. Results: target/serve-load/ (summary.txt and each tool's output).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dur=${DURATION:-30} points=${POINTS:-"1 4 16 64"} model=${MODEL:-cvt-13} port=${PORT:-$(free_port)}
out=${OUT:-$root/target/serve-load}
url=http://127.0.0.1:$port
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "needs $tool (apt-get install wrk curl)" >&2; exit 2; }; done
mkdir -p "$out"
summary=$out/summary.txt
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }

"$root/bin/cvt" --version > /dev/null # builds the tool if a source changed
cp="$root/cvt-examples/target/cvt-examples-0.1.0-SNAPSHOT.jar:$root/cvt-examples/target/lib/*"
file=$out/$model-random.safetensors
[ -f "$file" ] || java -cp "$cp" "$root/bench/serve/RandomModelFile.java" "$model" "$file"
image=$root/cvt-core/src/test/resources/image/chelsea.png
export WRK_BODY=$image WRK_TYPE=image/png

server=
start_server() { # QUEUE LOG-NAME
  "$root/bin/cvt" serve --model m="$file" --port "$port" --queue "$1" > "$out/server-$2.log" 2>&1 &
  server=$!
  for _ in $(seq 240); do
    kill -0 $server 2> /dev/null || { cat "$out/server-$2.log" >&2; exit 1; }
    # ours, not another program's on the same port
    curl -sf "$url/v2/health/ready" > /dev/null 2>&1 && curl -sf "$url/v2" | grep -q cvt-serve && return 0
    sleep 0.5
  done
  echo "server did not start" >&2; exit 1
}
stop_server() {
  kill -TERM $server 2> /dev/null || true
  wait $server 2> /dev/null || true
}
trap stop_server EXIT

say "== $(date -u +%FT%TZ) on $(nproc) cores; $model with random weights; $dur s per point; $(cat /proc/loadavg | cut -d' ' -f1-3) load before"
if [ "${BENCH:-1}" = 1 ]; then
  say "== bin/cvt bench --model $model --batch 1,16 (the same run, before the server starts)"
  "$root/bin/cvt" bench --model "$model" --batch 1,16 | tee "$out/bench.txt" | tee -a "$summary"
fi

# wrk_point NAME CONNECTIONS SECONDS [PATH]: one wrk run; its summary line
wrk_point() {
  local threads=$(( $2 < 2 ? 1 : 2 ))
  wrk -t$threads -c"$2" -d"$3"s --timeout 60s --latency -s "$root/bench/serve/post.lua" "$url${4:-/predictions/m}" > "$out/$1.txt" 2>&1 || true
  python3 - "$out/$1.txt" "$1" "$2" << 'PY'
import re, sys
t = open(sys.argv[1]).read()
def grab(p, d="?"):
    m = re.search(p, t); return m.group(1) if m else d
codes = dict(re.findall(r"status (\d+): (\d+)", t))
errs = re.search(r"Socket errors: (.*)", t)
rate, p50, p99 = grab(r"Requests/sec:\s+([\d.]+)"), grab(r"50%\s+(\S+)"), grab(r"99%\s+(\S+)")
socket = ("socket errors: " + errs.group(1)) if errs else "no socket errors"
print(f"{sys.argv[2]:>10}  c={sys.argv[3]:>3}  {rate:>8} req/s  p50 {p50:>8}  p99 {p99:>8}  statuses {codes}  {socket}")
PY
}

start_server 256 points
# warm-up, not reported (as bench's warm-up passes): the server's first requests pay the JIT's compilations
wrk -t2 -c16 -d10s --timeout 60s -s "$root/bench/serve/post.lua" "$url/predictions/m" > "$out/warm-up.txt" 2>&1 || true
say "== concurrency points (one image per request; images/s = req/s; after 10 s of warm-up at c=16)"
for c in $points; do
  wrk_point "c$c" "$c" "$dur" | tee -a "$summary"
  if [ "$c" = 1 ]; then # where the time of one request goes (the server's own clock)
    curl -s "$url/metrics" > "$out/metrics-c1.txt"
    python3 - "$out/metrics-c1.txt" << 'PY' | tee -a "$summary"
import re, sys
t = open(sys.argv[1]).read()
def mean(name):
    s = re.search(name + r'_sum\{model="m"\} (\S+)', t)
    n = re.search(name + r'_count\{model="m"\} (\S+)', t)
    return 1000 * float(s.group(1)) / float(n.group(1)) if s and n and float(n.group(1)) else float("nan")
pre, fwd = mean("cvt_preprocess_duration_seconds"), mean("cvt_inference_duration_seconds")
print(f"    at c=1, means on the server's clock: decode + preprocess {pre:.1f} ms, forward pass {fwd:.1f} ms")
PY
  fi
done
curl -s "$url/metrics" > "$out/metrics-points.txt"
grep -E '^cvt_batch_size_(sum|count)\{model="m"' "$out/metrics-points.txt" | tee -a "$summary" || true

say "== faults, each during a wrk run at concurrency 16"
wrk -t2 -c16 -d"$dur"s --timeout 60s -s "$root/bench/serve/post.lua" "$url/predictions/m" > "$out/faults-wrk.txt" 2>&1 &
wrk_pid=$!
sleep 2
head -c 3000 "$image" > "$out/broken.png"
head -c 50M /dev/zero > "$out/50mb.bin"
fault() { # NAME CURL-ARGS...
  local name=$1; shift
  say "$(printf '%-22s' "$name") -> HTTP $(curl -s -o "$out/fault-$name.json" -w '%{http_code}' "$@") $(head -c 160 "$out/fault-$name.json" 2>/dev/null)"
}
fault broken-image -H 'Content-Type: image/png' --data-binary @"$out/broken.png" "$url/predictions/m"
fault empty-body -H 'Content-Type: image/png' --data-binary '' "$url/predictions/m"
fault 50mb-body -H 'Content-Type: image/png' --data-binary @"$out/50mb.bin" "$url/predictions/m"
fault wrong-content-type -H 'Content-Type: text/plain' --data-binary @"$image" "$url/predictions/m"
fault unknown-model -H 'Content-Type: image/png' --data-binary @"$image" "$url/predictions/nope"
fault malformed-v2-json -H 'Content-Type: application/json' --data-binary '{"inputs": [' "$url/v2/models/m/infer"
say "client-disconnect      -> curl exit $(curl -s -o /dev/null --max-time 0.05 -H 'Content-Type: image/png' --data-binary @"$image" "$url/predictions/m"; echo $?) (28: it gave up after 50 ms)"
wait $wrk_pid || true
say "the wrk run around them: $(grep -E '^status|Socket errors|Non-2xx' "$out/faults-wrk.txt" | tr '\n' ' ')"
curl -s "$url/metrics" | grep -E '^cvt_requests_total' | grep -v 'code="200"' | tee -a "$summary"
rm -f "$out/50mb.bin"
stop_server

say "== overload: 256 connections, queue 32"
start_server 32 overload
curl -s "$url/metrics" > "$out/metrics-overload-before.txt"
( for _ in $(seq $(( dur / 5 + 1 ))); do
    curl -s "$url/metrics" | grep -E '^(cvt_heap_used_bytes|cvt_heap_committed_bytes|process_resident_memory_bytes)' | tr '\n' ' '; echo
    sleep 5
  done ) > "$out/overload-memory.txt" &
mem_pid=$!
wrk_point overload 256 "$dur" | tee -a "$summary"
wait $mem_pid || true
curl -s "$url/metrics" > "$out/metrics-overload-after.txt"
say "memory every 5 s (heap used, heap committed, resident = heap + off-heap):"
awk '{ printf "  heap used %.0f MB, committed %.0f MB, resident %.0f MB, off-heap (resident - committed) %.0f MB\n", $2/1e6, $4/1e6, $6/1e6, ($6-$4)/1e6 }' "$out/overload-memory.txt" | tee -a "$summary"
python3 - "$out/metrics-overload-before.txt" "$out/metrics-overload-after.txt" << 'PY' | tee -a "$summary"
import re, sys
def buckets(f):
    b = {}
    for le, v in re.findall(r'cvt_request_duration_seconds_bucket\{model="m",endpoint="predictions",code="200",le="([^"]+)"\} (\d+)', open(f).read()):
        b[le] = int(v)
    return b
before, after = buckets(sys.argv[1]), buckets(sys.argv[2])
d = [(le, after[le] - before.get(le, 0)) for le in after]
total = dict(d).get("+Inf", 0)
p99 = next((le for le, v in d if total and v >= 0.99 * total), "?")
print(f"200s during overload: {total}; their p99 <= {p99} s (server-side histogram bucket)")
PY
grep -qi OutOfMemoryError "$out/server-overload.log" && say "OutOfMemoryError in the server log" || say "no OutOfMemoryError in the server log"
stop_server

say "== SIGTERM under load: wrk at concurrency 16 for $dur s; 8 more requests; TERM one second later; then one more request"
start_server 256 sigterm
wrk -t2 -c16 -d"$dur"s --timeout 60s -s "$root/bench/serve/post.lua" "$url/predictions/m" > "$out/sigterm-wrk.txt" 2>&1 &
wrk_pid=$!
sleep $(( dur / 3 ))
for i in $(seq 8); do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: image/png' --data-binary @"$image" "$url/predictions/m" > "$out/sigterm-curl-$i.txt" &
done
sleep 1
kill -TERM $server
sleep 0.5
after=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: image/png' --data-binary @"$image" "$url/predictions/m" || true)
set +e; wait $server; status=$?; set -e
wait $wrk_pid || true
wait
say "the 8 requests sent before TERM: $(cat "$out"/sigterm-curl-*.txt | sort | uniq -c | tr '\n' ' ')(200 = finished after TERM)"
say "a request after TERM: HTTP $after (000 = connection refused)"
say "server exit status $status (143 = ended by SIGTERM after its shutdown hook); its last lines: $(tail -n 2 "$out/server-sigterm.log" | tr '\n' ' ')"
say "wrk: $(grep -E '^status|Socket errors|requests in' "$out/sigterm-wrk.txt" | tr '\n' ' ')"
