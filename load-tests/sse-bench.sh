#!/usr/bin/env bash
# SSE benchmark: the gateway's GET /api/v1/events/stream (when given) and nginx with the Nchan module as a peer,
# same subscribers and alarm rate in the same run; a resume storm and a gap/duplicate check for both.
#
#   load-tests/sse-bench.sh --gateway                                   # steps 1000,5000,10000 + Nchan
#   load-tests/sse-bench.sh --gateway --subscribers 500 --duration 15s  # a quick end-to-end check
#   load-tests/sse-bench.sh --gateway --nchan off                       # the gateway alone
#   load-tests/sse-bench.sh                                             # Nchan alone
#
# Every other option goes to org.safecity.load.sse.SseBenchmark (--help lists them). Figures go to stdout and to
# load-tests/results/<timestamp>.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/bench-lib.sh"

args=()
want_gateway=0
want_nchan=1
while [ $# -gt 0 ]; do
  case "$1" in
    --gateway)
      want_gateway=1
      args+=(--gateway-jar "$root/target/safecity-gateway.jar")
      ;;
    --nchan)
      [ "${2:-}" = "off" ] && want_nchan=0
      args+=("$1" "${2:-}")
      shift
      ;;
    --nchan=off)
      want_nchan=0
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

# The peer: Debian's nginx with the Nchan module. Installing it does not start a server here (no init); the
# benchmark starts its own nginx from a generated config.
if [ "$want_nchan" = 1 ] && [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  apt_install libnginx-mod-nchan
fi
raise_open_files

# Results go to load-tests/results unless --results-dir says otherwise (cluster-bench.sh does).
case " ${args[*]} " in *" --results-dir "*) ;; *) args=(--results-dir "$here/results" "${args[@]}") ;; esac
exec java -Xmx2g -cp "$load_jar" org.safecity.load.sse.SseBenchmark "${args[@]}"
