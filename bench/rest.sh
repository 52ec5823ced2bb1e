#!/bin/sh
# bench/rest.sh [build dir]: wrk on 127.0.0.1 against modeld's :predict and,
# in the same rounds (interleaved), against bench/rest_echo, a bare
# libmicrohttpd + jansson server answering the same JSON (the ceiling).
#
#   tiny:  half_plus_two (examples/), {"instances":[1.0,2.0,5.0]}, 16 and 64 connections
#   cnn:   the Keras MNIST CNN fixture, batch 1 and batch 100 (if ../shared is there)
#
# Prints median requests/s, p50 and p99 over ROUNDS rounds (default 3, each
# DURATION seconds, default 5), the modeld/ceiling ratios, the daemon's RSS,
# and bench/rest_decode's decode-vs-inference split for batch 100.
# Both servers get THREADS worker threads (default 2, the machine's cores).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
rounds=${ROUNDS:-3}
dur=${DURATION:-5}
threads=${THREADS:-2}
fixtures=$top/../shared/fixtures/savedmodels
command -v wrk >/dev/null || { echo "rest.sh: wrk missing (apt-get install wrk)"; exit 2; }
[ -x "$build/server/modeld" ] && [ -x "$build/bench/rest_echo" ] ||
    { echo "rest.sh: build server/modeld bench/rest_echo bench/rest_decode in $build first"; exit 2; }

tmp=$(mktemp -d)
mpid=""; epid=""
cleanup() {
    [ -n "$mpid" ] && kill "$mpid" 2>/dev/null || true
    [ -n "$epid" ] && kill "$epid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

pm=$((20000 + $$ % 20000)); pe=$((pm + 1))
cnn=""
[ -d "$fixtures/keras_mnist_cnn/1" ] && cnn=1
{
    echo "model_config_list {"
    echo " config { name: 'half' base_path: '$top/examples/half_plus_two' }"
    [ -n "$cnn" ] && echo " config { name: 'mnist' base_path: '$fixtures/keras_mnist_cnn' }"
    echo "}"
} > "$tmp/models.config"
"$build/server/modeld" --port=0 --rest_api_bind=127.0.0.1 --rest_api_port=$pm \
    --model_config_file="$tmp/models.config" --rest_api_num_threads=$threads \
    --file_system_poll_wait_seconds=0 --log_level=2 2> "$tmp/modeld.log" &
mpid=$!
"$build/bench/rest_echo" $pe $threads 2> "$tmp/echo.log" &
epid=$!
for i in $(seq 100); do
    curl -sf "http://127.0.0.1:$pm/v1/models/half" >/dev/null 2>&1 &&
        curl -s -o /dev/null "http://127.0.0.1:$pe/" 2>/dev/null && break
    sleep 0.1
done
rss() { awk -v k="$2" '$1 == k { print $2 }' /proc/"$1"/status; }
rss_idle=$(rss $mpid VmRSS:)

printf '{"instances":[1.0,2.0,5.0]}' > "$tmp/tiny.json"
if [ -n "$cnn" ]; then
    "$build/bench/rest_decode" --write-body "$tmp/b1.json" 1
    "$build/bench/rest_decode" --write-body "$tmp/b100.json" 100
fi
lua() { # body file -> lua script
    cat > "$1.lua" <<EOF
wrk.method = "POST"
local f = io.open("$1", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
EOF
}
for b in tiny b1 b100; do [ -f "$tmp/$b.json" ] && lua "$tmp/$b.json"; done

to_us() { # "257.00us" / "1.20ms" / "1.02s" -> microseconds
    echo "$1" | awk '{ v = $1 + 0; if ($1 ~ /us$/) print v; else if ($1 ~ /ms$/) print v * 1000;
                      else if ($1 ~ /s$/) print v * 1000000; else print v }'
}
one() { # label server port model body conns
    out=$(wrk -t2 -c"$6" -d"${dur}s" --timeout 10s --latency -s "$tmp/$5.json.lua" \
        "http://127.0.0.1:$3/v1/models/$4:predict")
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p50=$(to_us "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
    p99=$(to_us "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
    bad=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
    errs=$(echo "$out" | awk '/Socket errors/ { print }')
    [ -n "$bad" ] && echo "  WARNING: $2 $1 c$6: $bad non-2xx responses" >&2
    [ -n "$errs" ] && echo "  note: $2 $1 c$6: $errs" >&2
    echo "$1 $6 $2 $rps $p50 $p99" >> "$tmp/results"
}
: > "$tmp/results"
for r in $(seq "$rounds"); do
    echo "round $r/$rounds ..." >&2
    for c in 16 64; do
        one tiny ceiling $pe half tiny $c
        one tiny modeld $pm half tiny $c
    done
    if [ -n "$cnn" ]; then
        one cnn-b1 ceiling $pe mnist b1 16
        one cnn-b1 modeld $pm mnist b1 16
        one cnn-b100 ceiling $pe mnist b100 4
        one cnn-b100 modeld $pm mnist b100 4
    fi
done
rss_after=$(rss $mpid VmRSS:)
rss_peak=$(rss $mpid VmHWM:)

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "REST :predict, modeld vs bare libmicrohttpd+jansson (ceiling), $threads threads each,"
echo "median of $rounds rounds x ${dur}s, wrk -t2 on the same machine"
printf '%-9s %5s | %10s %8s %8s | %10s %8s %8s | %6s %6s\n' case conns "modeld r/s" p50us p99us \
    "ceil r/s" p50us p99us "r/s x" "p99 x"
for case in tiny cnn-b1 cnn-b100; do
    for c in 4 16 64; do
        grep -q "^$case $c " "$tmp/results" || continue
        get() { awk -v a="$case" -v b="$c" -v s="$1" -v k="$2" \
            '$1 == a && $2 == b && $3 == s { print $k }' "$tmp/results" | median; }
        mr=$(get modeld 4); m50=$(get modeld 5); m99=$(get modeld 6)
        cr=$(get ceiling 4); c50=$(get ceiling 5); c99=$(get ceiling 6)
        printf '%-9s %5s | %10.0f %8.0f %8.0f | %10.0f %8.0f %8.0f | %6.2f %6.2f\n' "$case" "$c" \
            "$mr" "$m50" "$m99" "$cr" "$c50" "$c99" \
            "$(echo "$mr $cr" | awk '{ print $1 / $2 }')" "$(echo "$m99 $c99" | awk '{ print $1 / $2 }')"
    done
done
echo
echo "modeld RSS: idle ${rss_idle} KiB, after the runs ${rss_after} KiB, peak ${rss_peak} KiB" \
    "(models: half_plus_two${cnn:+ + keras_mnist_cnn})"
if [ -n "$cnn" ]; then
    "$build/bench/rest_decode" "$fixtures/keras_mnist_cnn/1" 100 15
fi
