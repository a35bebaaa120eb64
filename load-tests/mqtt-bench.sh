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
jar="$here/target/safecity-load.jar"

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

# The simulator jar: (re)build when missing or older than its sources.
if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "building $jar" >&2
  (cd "$here" && mvn -q package -DskipTests)
fi

# The gateway jar, when asked for and missing.
if [ "$want_gateway" = 1 ] && [ ! -f "$root/target/safecity-gateway.jar" ]; then
  echo "building $root/target/safecity-gateway.jar" >&2
  (cd "$root" && mvn -q package -DskipTests)
fi

# The peer: Debian's mosquitto (only the binary is used; the script starts its own instance).
if [ "$want_mosquitto" = 1 ] && [ ! -x /usr/sbin/mosquitto ] && ! command -v mosquitto >/dev/null 2>&1; then
  echo "installing mosquitto (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq mosquitto >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq mosquitto; }
  else
    sudo apt-get install -y -qq mosquitto || { sudo apt-get update -qq && sudo apt-get install -y -qq mosquitto; }
  fi
fi

# Each simulator holds thousands of sockets, and so do the brokers: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec java -Xmx1g -cp "$jar" org.safecity.load.MqttBenchmark --results-dir "$here/results" "${args[@]}"
