#!/usr/bin/env bash
# The store bench over TLS: starts a Mosquitto with a TLS listener (certificates made here with openssl, for this run
# only) and runs CrashPublisher --bench against it for each store, interleaved round by round so a machine whose load
# changes affects every row alike. Prints one line per run: store, durability, qos, messages, seconds, msg/s.
# Usage: bench/SecureMqtt.CrashPublisher/bench.sh
#        BENCH_COUNT=50000 BENCH_WINDOW=1000 BENCH_INFLIGHT=1000 BENCH_ROUNDS=3 BENCH_STORES="memory Batched None" bench/...
# BENCH_INFLIGHT is Mosquitto's max_inflight_messages, which it announces as its Receive Maximum under MQTT 5: the
# client never has more QoS 1/2 messages unacknowledged than that, whatever BENCH_WINDOW says.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count="${BENCH_COUNT:-50000}" window="${BENCH_WINDOW:-1000}" inflight="${BENCH_INFLIGHT:-1000}" rounds="${BENCH_ROUNDS:-3}"
stores="${BENCH_STORES:-memory Batched None}"
work="$(mktemp -d /tmp/smqtt-store-bench.XXXXXX)"
broker=""
cleanup() { [ -n "$broker" ] && kill "$broker" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet build "$root/bench/SecureMqtt.CrashPublisher" -c Release -nologo -v quiet >/dev/null
publisher="$root/bench/SecureMqtt.CrashPublisher/bin/Release/net10.0/SecureMqtt.CrashPublisher.dll"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
    -days 1 -subj "/CN=store bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/server.key" -out "$work/server.csr" \
    -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/server.pem" \
    -days 1 -extfile "$work/ext" 2>/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$work/mosquitto.conf" <<CONF
persistence false
log_dest stderr
log_type error
max_queued_messages 0
max_inflight_messages $inflight
$([ "$(id -u)" = 0 ] && echo "user root")
listener $port 127.0.0.1
allow_anonymous true
certfile $work/server.pem
keyfile $work/server.key
CONF
mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
broker=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "# QoS 1, $count messages, window $window, broker Receive Maximum $inflight, TLS on 127.0.0.1:$port"
printf 'store\tdurability\tqos\tmessages\tseconds\tmsg/s\n'
for round in $(seq "$rounds"); do
    for s in $stores; do
        rm -f "$work"/store.db*
        if [ "$s" = memory ]; then store=memory durability=Batched; else store="$work/store.db" durability="$s"; fi
        dotnet "$publisher" --host 127.0.0.1 --port "$port" --ca "$work/ca.pem" --client-id "bench-$round-$s" --store "$store" \
            --durability "$durability" --qos 1 --count "$count" --window "$window" --topic bench/store --bench |
            awk -F'\t' -v OFS='\t' '{ sub(".*/", "", $1); print $1, $2, $3, $4, $5, $6 }'
    done
done
