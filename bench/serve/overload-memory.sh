#!/usr/bin/env bash
# Memory of `bin/cvt serve` under overload: wrk with 256 connections against a queue of 32 for
# DURATION seconds, sampled every 5 s (heap used and committed, resident size, Netty's direct
# memory, the JVM's own native memory by Native Memory Tracking; each sample is labelled with the
# seconds since wrk began), then 10 s idle, a forced full GC and a last sample: what the GC gives
# back was garbage, what stays is held.
#
# usage: bench/serve/overload-memory.sh [MODEL_FILE]   (settings: DURATION=90 CONNECTIONS=256 QUEUE=32 PORT)
# MODEL_FILE defaults to CvT-13 with random weights (made as load.sh makes it). Needs wrk, curl, jcmd.
# Results: target/serve-load/overload-memory.txt. Memory figures hold on a busy machine; times do not.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dur=${DURATION:-90} conns=${CONNECTIONS:-256} queue=${QUEUE:-32}
port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
out=${OUT:-$root/target/serve-load}
url=http://127.0.0.1:$port
for tool in wrk curl jcmd python3; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 2; }; done
mkdir -p "$out"
"$root/bin/cvt" --version > /dev/null # builds the tool if a source changed
file=${1:-$out/cvt-13-random.safetensors}
if [ ! -f "$file" ]; then
  java -cp "$root/cvt-examples/target/cvt-examples-0.1.0-SNAPSHOT.jar:$root/cvt-examples/target/lib/*" \
    "$root/bench/serve/RandomModelFile.java" cvt-13 "$file"
fi
export WRK_BODY=$root/cvt-core/src/test/resources/image/chelsea.png WRK_TYPE=image/png
CVT_JAVA_OPTS="${CVT_JAVA_OPTS:--Xmx3g -Dorg.bytedeco.javacpp.maxbytes=16G -Dorg.bytedeco.javacpp.maxphysicalbytes=0} -XX:NativeMemoryTracking=summary" \
  "$root/bin/cvt" serve --model m="$file" --port "$port" --queue "$queue" > "$out/server-overload-memory.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2> /dev/null || true; wait $server 2> /dev/null || true' EXIT
for _ in $(seq 240); do
  kill -0 $server 2> /dev/null || { cat "$out/server-overload-memory.log" >&2; exit 1; }
  curl -sf "$url/v2/health/ready" > /dev/null 2>&1 && curl -sf "$url/v2" | grep -q cvt-serve && break
  sleep 0.5
done

report=$out/overload-memory.txt
sample() { # LABEL: one line of MB figures
  local m nmt
  m=$(curl -s "$url/metrics")
  nmt=$(jcmd $server VM.native_memory summary scale=KB 2> /dev/null || true)
  python3 - "$1" "$m" "$nmt" << 'PY'
import re, sys
label, m, nmt = sys.argv[1:]
def g(name):
    r = re.search(r"^" + name + r" (\S+)$", m, re.M)
    return float(r.group(1)) / 1e6 if r else float("nan")
def k(pattern):
    r = re.search(pattern, nmt)
    return int(r.group(1)) * 1024 / 1e6 if r else float("nan")
ok = sum(int(v) for v in re.findall(r'cvt_requests_total\{model="m",endpoint="predictions",code="200"\} (\d+)', m))
busy = sum(int(v) for v in re.findall(r'cvt_requests_total\{model="m",endpoint="predictions",code="503"\} (\d+)', m))
rss, committed = g("process_resident_memory_bytes"), g("cvt_heap_committed_bytes")
total = k(r"Total: reserved=\d+KB, committed=(\d+)KB")
other = k(r"- +Other \(reserved=\d+KB, committed=(\d+)KB")
print(f"{label:>8}  heap used {g('cvt_heap_used_bytes'):6.0f}  committed {committed:5.0f}  resident {rss:6.0f}  "
      f"off-heap (resident - committed) {rss - committed:6.0f}  netty direct {g('cvt_netty_direct_bytes'):5.1f}  "
      f"NMT committed {total:5.0f} (other {other:4.1f})  requests 200: {ok}, 503: {busy}")
PY
}
{
  echo "== $(date -u +%FT%TZ) overload memory: $conns connections, queue $queue, $dur s; $(basename "$file"); load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "   (MB; NMT counts what the JVM allocates, Netty's direct buffers under 'other', not libnd4j's arrays)"
  sample start
  wrk -t2 -c"$conns" -d"$dur"s --timeout 60s -s "$root/bench/serve/post.lua" "$url/predictions/m" > "$out/overload-memory-wrk.txt" 2>&1 &
  wrk_pid=$!
  start=$SECONDS
  while kill -0 $wrk_pid 2> /dev/null; do sleep 5; sample "$(( SECONDS - start ))s"; done # labels: seconds since wrk began
  wait $wrk_pid || true
  sleep 10; sample idle
  jcmd $server GC.run > /dev/null; sleep 2; sample "after GC"
  echo "wrk: $(grep -E 'requests in|^status|Socket errors|Non-2xx' "$out/overload-memory-wrk.txt" | tr '\n' ' ')"
  grep -qi OutOfMemoryError "$out/server-overload-memory.log" && echo "OutOfMemoryError in the server log" || echo "no OutOfMemoryError in the server log"
} | tee "$report"
