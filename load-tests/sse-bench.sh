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
jar="$here/target/safecity-load.jar"

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

# The load jar: (re)build when missing or older than its sources.
if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit)" ]; then
  echo "building $jar" >&2
  (cd "$here" && mvn -q -ntp package -DskipTests)
fi

# The gateway jar, when asked for and missing.
if [ "$want_gateway" = 1 ] && [ ! -f "$root/target/safecity-gateway.jar" ]; then
  echo "building $root/target/safecity-gateway.jar" >&2
  (cd "$root" && mvn -q -ntp package -DskipTests)
fi

# The peer: Debian's nginx with the Nchan module. Installing it does not start a server here (no init); the
# benchmark starts its own nginx from a generated config.
if [ "$want_nchan" = 1 ] && [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  echo "installing libnginx-mod-nchan (Debian package, with nginx)" >&2
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends libnginx-mod-nchan \
    || { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends libnginx-mod-nchan; }
fi

# The subscribers hold thousands of sockets, and so do the servers: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

exec java -Xmx2g -cp "$jar" org.safecity.load.sse.SseBenchmark --results-dir "$here/results" "${args[@]}"
