# Shared by benchmarks/http-suite and benchmarks/run-all (sourced, not run): tools the harness
# installs when missing, ports, processes it starts and stops, and the load generators' one-line
# results. Every process started through start_bg is killed by stop_all (and on exit).

harness_pids=()

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

# wrk and h2load (the distribution's nghttp2-client), installed once when missing.
ensure_load_tools() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]}" >&2
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# The Cerbos server from the npm package, into benchmarks/target/cerbos (once per version).
# Prints the path of the binary.
CERBOS_VERSION="${CERBOS_VERSION:-0.55.0}"
ensure_cerbos() {
  local dir="$1/target/cerbos" bin
  bin="$dir/node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64"
  if [[ ! -x "$bin" ]] || [[ "$("$bin" --version 2>/dev/null | head -1)" != "$CERBOS_VERSION" ]]; then
    echo "installing @cerbos/cerbos-linux-x64@$CERBOS_VERSION with npm" >&2
    mkdir -p "$dir"
    npm install --no-audit --no-fund --no-save --prefix "$dir" "@cerbos/cerbos-linux-x64@$CERBOS_VERSION" >&2
  fi
  echo "$bin"
}

free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# start_bg LOG COMMAND...: starts COMMAND in the background, its output to LOG; sets started_pid.
start_bg() {
  local log="$1"
  shift
  "$@" > "$log" 2>&1 &
  started_pid=$!
  harness_pids+=("$started_pid")
}

stop_all() {
  local pid
  for pid in "${harness_pids[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${harness_pids[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  harness_pids=()
}

# await_url URL PID LOG: waits (2 minutes at most) until URL answers 2xx, failing if PID stops.
await_url() {
  local url="$1" pid="$2" log="$3"
  for _ in $(seq 1 240); do
    curl -s -f -o /dev/null "$url" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server behind $url stopped before it was ready:" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "$url did not become ready in 2 minutes:" >&2
  tail -20 "$log" >&2
  return 1
}

# await_port PORT PID LOG: waits until something accepts connections on 127.0.0.1:PORT.
await_port() {
  local port="$1" pid="$2" log="$3"
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server on port $port stopped before it listened:" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "nothing listened on port $port in 60 s" >&2
  return 1
}

# CPU time (user + system, clock ticks) of one process.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

load_average() {
  cut -d' ' -f1-3 /proc/loadavg
}

# wrk_script FILE METHOD BODY_FILE HEADER...: a wrk script sending METHOD with the body of BODY_FILE
# ("-" for none) and the headers ("Name: value"), whose summary is one key=value line:
# requests, rps, latency percentiles (ms), status_errors (answers with a status ≥ 400, which wrk counts
# as errors) and socket_errors (connect, read, write, timeout).
wrk_script() {
  local file="$1" method="$2" body="$3" header
  shift 3
  {
    printf 'wrk.method = "%s"\n' "$method"
    if [[ "$body" != - ]]; then
      echo 'wrk.headers["Content-Type"] = "application/json"'
      printf 'wrk.body = [[%s]]\n' "$(cat "$body")"
    fi
    for header in "$@"; do
      printf 'wrk.headers["%s"] = "%s"\n' "${header%%: *}" "${header#*: }"
    done
    cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("requests=%d rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f status_errors=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
  } > "$file"
}

# field LINE KEY: the value of KEY in a key=value line.
field() {
  echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2
}
