#!/usr/bin/env bash
# MQTT benchmark: the gateway (when given) and Debian's Mosquitto as a peer, driven by the box simulator.
#
#   load-tests/mqtt-bench.sh                       # peer only (Mosquitto), short run
#   load-tests/mqtt-bench.sh --gateway             # + the gateway built at the repo root, short run
#   load-tests/mqtt-bench.sh --gateway --full      # 19,000 idle boxes, longer and repeated runs
#   load-tests/mqtt-bench.sh --broker mqtt://127.0.0.1:1883 --api http://127.0.0.1:8080   # a running gateway
#
# Every other option goes to org.safecity.load.MqttBenchmark (--help lists them). Figures go to stdout and
# to load-tests/results/<timestamp>.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/bench-lib.sh"

args=()
want_gateway=0
want_mosquitto=1
while [ $# -gt 0 ]; do
  case "$1" in
    --gateway)
      want_gateway=1
      args+=(--gateway-jar "$root/target/safecity-gateway.jar")
      ;;
    --mosquitto)
      [ "${2:-}" = "off" ] && want_mosquitto=0
      args+=("$1" "${2:-}")
      shift
      ;;
    --mosquitto=off)
      want_mosquitto=0
      args+=("$1")
      ;;
    *)
      args+=("$1")
      ;;
  esac
  shift
done

build_load_jar
[ "$want_gateway" = 1 ] && build_gateway_jar

# The peer: Debian's mosquitto (only the binary is used; the script starts its own instance).
if [ "$want_mosquitto" = 1 ] && [ ! -x /usr/sbin/mosquitto ] && ! command -v mosquitto >/dev/null 2>&1; then
  apt_install mosquitto
fi
raise_open_files

# Results go to load-tests/results unless --results-dir says otherwise (cluster-bench.sh does).
case " ${args[*]} " in *" --results-dir "*) ;; *) args=(--results-dir "$here/results" "${args[@]}") ;; esac
exec java -Xmx1g -cp "$load_jar" org.safecity.load.MqttBenchmark "${args[@]}"
