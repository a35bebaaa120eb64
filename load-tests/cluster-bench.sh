#!/usr/bin/env bash
# Scale-out benchmark: the MQTT, RTSP and SSE benchmarks against a gateway cluster of 1, 2 and 4 edge nodes
# (each count a cluster sharing one PostgreSQL; --nodes of each benchmark), one after another, then the scaling
# report: each figure at every node count, the ratio to one node and the gain per added node.
#
#   load-tests/cluster-bench.sh                          # nodes 1,2,4; every benchmark at its cluster settings below
#   load-tests/cluster-bench.sh --nodes 1,2 --only sse   # a subset
#   load-tests/cluster-bench.sh --report DIR             # print the report of an earlier run again
#
# Run it alone: on a 2-core machine the nodes share the cores with PostgreSQL and the load generators, so the
# figures say what clustering costs there; on a machine with many cores (16) they say how far it scales.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/bench-lib.sh"

nodes="1,2,4"
only="mqtt,rtsp,sse"
report=""
# Each benchmark's load at every node count: large enough to load one node, small enough to finish in minutes.
mqtt_args=(--phases rate,throughput --mosquitto off --rate-boxes 4000 --rate-runs 3 --tp-boxes 200 --tp-runs 3)
rtsp_args=(--gstreamer off --streams 250,500,1000)
sse_args=(--nchan off --subscribers 1000,2000,4000 --duration 20s --storm on)
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --only) only="$2"; shift ;;
    --report) report="$2"; shift ;;
    --help|-h) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "cluster-bench: unknown option $1 (--nodes, --only, --report)" >&2; exit 2 ;;
  esac
  shift
done

build_load_jar
if [ -n "$report" ]; then
  exec java -cp "$load_jar" org.safecity.load.ClusterReport "$report"
fi
build_gateway_jar
raise_open_files

out="$here/results/cluster-$(date -u +%Y-%m-%dT%H-%M-%SZ)"
mkdir -p "$out"
echo "== cluster benchmark: nodes $nodes, benchmarks $only; results under $out"
for n in ${nodes//,/ }; do
  for b in ${only//,/ }; do
    echo
    echo "==== $b, $n node(s)"
    case "$b" in
      mqtt) "$here/mqtt-bench.sh" --gateway --nodes "$n" --results-dir "$out/mqtt-$n" "${mqtt_args[@]}" || echo "mqtt at $n nodes failed" ;;
      rtsp) "$here/rtsp-bench.sh" --gateway --nodes "$n" --results-dir "$out/rtsp-$n" "${rtsp_args[@]}" || echo "rtsp at $n nodes failed" ;;
      sse) "$here/sse-bench.sh" --gateway --nodes "$n" --results-dir "$out/sse-$n" "${sse_args[@]}" || echo "sse at $n nodes failed" ;;
      *) echo "cluster-bench: unknown benchmark $b (mqtt, rtsp, sse)" >&2; exit 2 ;;
    esac
  done
done
echo
java -cp "$load_jar" org.safecity.load.ClusterReport "$out"
