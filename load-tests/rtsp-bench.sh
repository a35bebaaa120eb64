#!/usr/bin/env bash
# RTSP benchmark: the gateway (when given) and GStreamer's gst-rtsp-server as a peer, driven by the camera
# simulator (org.safecity.load.rtsp.CameraSimulator): concurrent 1 Mbit/s H.264 publishers over TCP, readers.
#
#   load-tests/rtsp-bench.sh --gateway                                  # steps 100,250,500,1000, 30 s each
#   load-tests/rtsp-bench.sh --gateway --streams 20,50 --duration 15s   # a small check
#   load-tests/rtsp-bench.sh --gateway --gstreamer off                  # the gateway alone
#   load-tests/rtsp-bench.sh                                            # GStreamer alone
#
# Every other option goes to org.safecity.load.rtsp.RtspBenchmark (--help lists them). Figures go to stdout and
# to load-tests/results/<timestamp>.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/bench-lib.sh"
clip="$here/target/camera-640x360-25fps-1mbit.h264"
python=/usr/bin/python3

args=()
want_gateway=0
want_gstreamer=1
have_file=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gateway)
      want_gateway=1
      args+=(--gateway-jar "$root/target/safecity-gateway.jar")
      ;;
    --gstreamer)
      [ "${2:-}" = "off" ] && want_gstreamer=0
      args+=("$1" "${2:-}")
      shift
      ;;
    --gstreamer=off)
      want_gstreamer=0
      args+=("$1")
      ;;
    --file|--file=*)
      have_file=1
      args+=("$1")
      if [ "$1" = "--file" ]; then args+=("${2:-}"); shift; fi
      ;;
    --python)
      python="${2:-}"
      args+=("$1" "${2:-}")
      shift
      ;;
    *)
      args+=("$1")
      ;;
  esac
  shift
done

build_load_jar
[ "$want_gateway" = 1 ] && build_gateway_jar

# The pre-encoded clip every camera loops, made once with Debian's ffmpeg: 640x360, 25 fps, H.264 Main, no
# B-frames, a keyframe every 50 frames (2 s), about 1 Mbit/s (the bitrate capped by a 1 s VBV buffer; the noise
# keeps the encoder from undershooting), Annex-B with SPS/PPS before every keyframe. 20 s, about 2.5 MB.
if [ "$have_file" = 0 ]; then
  if [ ! -s "$clip" ]; then
    command -v ffmpeg >/dev/null 2>&1 || { echo "rtsp-bench: ffmpeg is needed once to make $clip (apt-get install -y ffmpeg)" >&2; exit 2; }
    echo "making $clip with ffmpeg" >&2
    mkdir -p "$(dirname "$clip")"
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=25,noise=alls=12:allf=t" -t 20 -an \
      -c:v libx264 -preset veryfast -profile:v main -pix_fmt yuv420p -bf 0 -g 50 -keyint_min 50 -sc_threshold 0 \
      -b:v 1000k -maxrate 1000k -bufsize 1000k -f h264 "$clip.tmp"
    mv "$clip.tmp" "$clip"
  fi
  args+=(--file "$clip")
fi

# The peer: Debian's gst-rtsp-server through Python's GObject introspection (installed when missing).
if [ "$want_gstreamer" = 1 ] && ! "$python" -c "import gi; gi.require_version('GstRtspServer', '1.0')" >/dev/null 2>&1; then
  apt_install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-rtsp gstreamer1.0-plugins-base \
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
fi
raise_open_files

# Results go to load-tests/results unless --results-dir says otherwise (cluster-bench.sh does).
case " ${args[*]} " in *" --results-dir "*) ;; *) args=(--results-dir "$here/results" "${args[@]}") ;; esac
exec java -Xmx1g -cp "$load_jar" org.safecity.load.rtsp.RtspBenchmark "${args[@]}"
