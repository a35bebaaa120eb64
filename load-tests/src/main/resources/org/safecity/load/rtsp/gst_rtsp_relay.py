"""GStreamer's gst-rtsp-server as the RTSP benchmark's peer: cameras push, readers read the same streams.

Two RTSPServer objects in one process:
  --port          one RECORD factory per camera at /<cameraId>:
                  ( rtph264depay name=depay0 ! h264parse ! proxysink name=psink )
  --reader-port   one shared PLAY factory per camera at /<cameraId>:
                  ( proxysrc name=psrc ! rtph264pay name=pay0 pt=96 config-interval=-1 )
                  whose proxysrc is linked to the camera's proxysink when a reader's media is configured.
The two servers run on separate GLib main contexts (threads): a DESCRIBE waits for the PLAY pipeline to
preroll, which needs the camera's data, which the other server reads. On one main context that waits on
itself until the DESCRIBE times out.

No authentication (the simulator's Basic credentials are ignored). Prints "ready <GStreamer version>" once
both servers listen. Started by org.safecity.load.rtsp.RtspBenchmark; needs Debian's python3-gi,
gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-{base,good,bad}.
"""
import argparse
import signal
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--reader-port", type=int, required=True)
    ap.add_argument("--cameras", type=int, required=True)
    ap.add_argument("--first-index", type=int, default=1)
    ap.add_argument("--id-prefix", default="cam-")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    Gst.init(None)

    record = GstRtspServer.RTSPServer()
    record.set_address(a.host)
    record.set_service(str(a.port))
    play = GstRtspServer.RTSPServer()
    play.set_address(a.host)
    play.set_service(str(a.reader_port))

    sinks = {}  # camera id -> the proxysink of its current RECORD media
    lock = threading.Lock()

    def record_configured(_factory, media, camera):
        with lock:
            sinks[camera] = media.get_element().get_by_name("psink")

    def play_configured(_factory, media, camera):
        with lock:
            sink = sinks.get(camera)
        if sink is None:
            print("reader for %s before its camera published: it gets nothing" % camera, flush=True)
            return
        media.get_element().get_by_name("psrc").set_property("proxysink", sink)

    for i in range(a.first_index, a.first_index + a.cameras):
        camera = "%s%04d" % (a.id_prefix, i)
        rec = GstRtspServer.RTSPMediaFactory()
        rec.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
        rec.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
        rec.set_launch("( rtph264depay name=depay0 ! h264parse ! proxysink name=psink )")
        rec.connect("media-configure", record_configured, camera)
        record.get_mount_points().add_factory("/" + camera, rec)

        out = GstRtspServer.RTSPMediaFactory()
        out.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
        out.set_shared(True)
        out.set_launch("( proxysrc name=psrc ! rtph264pay name=pay0 pt=96 config-interval=-1 )")
        out.connect("media-configure", play_configured, camera)
        play.get_mount_points().add_factory("/" + camera, out)

    if record.attach(None) == 0:
        sys.exit("cannot listen on %s:%d" % (a.host, a.port))
    ctx = GLib.MainContext.new()
    if play.attach(ctx) == 0:
        sys.exit("cannot listen on %s:%d" % (a.host, a.reader_port))
    threading.Thread(target=GLib.MainLoop.new(ctx, False).run, name="play-server", daemon=True).start()

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print("ready %s" % Gst.version_string().replace("GStreamer ", ""), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
