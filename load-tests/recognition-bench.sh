#!/usr/bin/env bash
# Recognition benchmark: keyframe decode through the gateway vs the ffmpeg CLI, face (and plate) inference cost
# per frame, the cameras the gateway keeps recognising at one keyframe every 2 s, and the latency from a frame's
# arrival to its hit reaching an SSE client (commit included). Cameras are the Java simulator looping a clip made
# here with ffmpeg from a real photograph (.ci/test-images).
#
#   load-tests/recognition-bench.sh                                   # steps 1,2,4,8 cameras, 30 s each
#   load-tests/recognition-bench.sh --cameras 1,4 --duration 15s      # a quick check
#   load-tests/recognition-bench.sh --plate LEA-1234                  # a plate under the face, hotlisted
#
# Every other option goes to org.safecity.load.rtsp.RecognitionBenchmark (--help lists them). Figures go to
# stdout and to load-tests/results/<timestamp>-recognition.json. The models are fetched once into
# load-tests/target/models (the gateway's own pinned fetch).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
. "$here/bench-lib.sh"

build_load_jar
build_gateway_jar
command -v ffmpeg >/dev/null 2>&1 || apt_install ffmpeg
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || apt_install fonts-dejavu-core
bash "$root/.ci/test-images" >/dev/null

exec java -Xmx1g -cp "$load_jar" org.safecity.load.rtsp.RecognitionBenchmark --gateway-jar "$gateway_jar" \
  --models-dir "$here/target/models" --results-dir "$here/results" "$@"
