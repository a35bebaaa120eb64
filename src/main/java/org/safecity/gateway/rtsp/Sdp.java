package org.safecity.gateway.rtsp;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The part of an SDP (RFC 8866) session description a relay needs: each media section's payload type, codec,
 * clock rate, format parameters and control URL. Parsing is strict about structure (a media line must be
 * well-formed) and lenient about everything a relay does not interpret.
 */
public final class Sdp {
  /** Media sections accepted from one ANNOUNCE; a real camera has one to three. */
  static final int MAX_MEDIA = 8;

  /**
   * One media section.
   *
   * @param type        video, audio, application
   * @param payloadType the first (used) payload type of the m= line
   * @param encoding    upper-case encoding name from a=rtpmap (H264, H265, MPEG4-GENERIC, ...), or "" for a
   *                    static payload type without rtpmap
   * @param clockRate   from a=rtpmap, 90000 for video without one
   * @param fmtp        the a=fmtp parameters for the payload type, as written
   * @param control     a=control, or "" when absent
   * @param attributes  every other attribute line (without "a="), relayed to readers as written
   */
  public record Media(String type, int payloadType, String encoding, int clockRate, String fmtp, String control,
                      List<String> attributes) {
    public Media {
      attributes = List.copyOf(attributes);
    }

    public boolean isH264() {
      return encoding.equals("H264");
    }

    public boolean isH265() {
      return encoding.equals("H265");
    }

    /** fmtp parameters by lower-case name. */
    public Map<String, String> fmtpParameters() {
      Map<String, String> out = new LinkedHashMap<>();
      for (String p : fmtp.split(";")) {
        int eq = p.indexOf('=');
        if (eq > 0) {
          out.put(p.substring(0, eq).trim().toLowerCase(Locale.ROOT), p.substring(eq + 1).trim());
        }
      }
      return out;
    }

    /** Parameter sets announced out of band (sprop-parameter-sets, or sprop-vps/sps/pps), decoded. */
    public List<byte[]> parameterSets() {
      Map<String, String> p = fmtpParameters();
      List<String> encoded = new ArrayList<>();
      if (isH264() && p.containsKey("sprop-parameter-sets")) {
        encoded.addAll(List.of(p.get("sprop-parameter-sets").split(",")));
      } else if (isH265()) {
        for (String k : List.of("sprop-vps", "sprop-sps", "sprop-pps")) {
          if (p.containsKey(k)) {
            encoded.addAll(List.of(p.get(k).split(",")));
          }
        }
      }
      List<byte[]> out = new ArrayList<>();
      for (String e : encoded) {
        try {
          byte[] nal = Base64.getDecoder().decode(e.trim());
          if (nal.length > 0) {
            out.add(nal);
          }
        } catch (IllegalArgumentException ignored) {
          // a broken sprop is ignored: in-band parameter sets still work
        }
      }
      return out;
    }
  }

  private final List<Media> media;

  private Sdp(List<Media> media) {
    this.media = List.copyOf(media);
  }

  public List<Media> media() {
    return media;
  }

  /** @throws IllegalArgumentException naming the first problem */
  public static Sdp parse(String text) {
    List<Media> out = new ArrayList<>();
    String type = null;
    int pt = -1;
    String encoding = "";
    int clock = 90_000;
    String fmtp = "";
    String control = "";
    List<String> attributes = new ArrayList<>();
    int lineNo = 0;
    boolean sawVersion = false;
    for (String raw : text.split("\r?\n")) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.length() < 2 || line.charAt(1) != '=') {
        throw new IllegalArgumentException("SDP line " + lineNo + " is not <type>=<value>");
      }
      char k = line.charAt(0);
      String v = line.substring(2);
      if (k == 'v') {
        sawVersion = true;
      } else if (k == 'm') {
        if (type != null) {
          out.add(new Media(type, pt, encoding, clock, fmtp, control, attributes));
        }
        if (out.size() >= MAX_MEDIA) {
          throw new IllegalArgumentException("SDP has more than " + MAX_MEDIA + " media sections");
        }
        String[] f = v.split(" +");
        if (f.length < 4) {
          throw new IllegalArgumentException("SDP line " + lineNo + ": expected m=<media> <port> <proto> <fmt>");
        }
        type = f[0].toLowerCase(Locale.ROOT);
        try {
          pt = Integer.parseInt(f[3]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("SDP line " + lineNo + ": payload type " + f[3] + " is not a number");
        }
        if (pt < 0 || pt > 127) {
          throw new IllegalArgumentException("SDP line " + lineNo + ": payload type " + pt + " is not 0..127");
        }
        encoding = "";
        clock = type.equals("audio") ? 8000 : 90_000;
        fmtp = "";
        control = "";
        attributes = new ArrayList<>();
      } else if (k == 'a' && type != null) {
        if (v.startsWith("rtpmap:")) {
          String[] f = v.substring(7).split(" ", 2);
          if (f.length == 2 && f[0].trim().equals(String.valueOf(pt))) {
            String[] enc = f[1].trim().split("/");
            encoding = enc[0].toUpperCase(Locale.ROOT);
            if (enc.length > 1) {
              try {
                clock = Integer.parseInt(enc[1].trim());
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException("SDP line " + lineNo + ": clock rate " + enc[1] + " is not a number");
              }
              if (clock <= 0) {
                throw new IllegalArgumentException("SDP line " + lineNo + ": clock rate must be positive");
              }
            }
          }
          attributes.add(v);
        } else if (v.startsWith("fmtp:")) {
          String[] f = v.substring(5).split(" ", 2);
          if (f.length == 2 && f[0].trim().equals(String.valueOf(pt))) {
            fmtp = f[1].trim();
          }
          attributes.add(v);
        } else if (v.startsWith("control:")) {
          control = v.substring(8).trim();
        } else {
          attributes.add(v);
        }
      }
    }
    if (!sawVersion) {
      throw new IllegalArgumentException("SDP has no v= line");
    }
    if (type != null) {
      out.add(new Media(type, pt, encoding, clock, fmtp, control, attributes));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("SDP has no media section (m= line)");
    }
    return new Sdp(out);
  }

  /** The index of the media whose control matches the last segment(s) of a SETUP URL's path, if any. */
  public Optional<Integer> trackFor(String pathAfterCamera) {
    for (int i = 0; i < media.size(); i++) {
      String c = media.get(i).control();
      if (c.isEmpty() || c.equals("*")) {
        continue;
      }
      // control may be absolute (rtsp://host/cam/streamid=0) or relative (streamid=0)
      String tail = c.contains("://") ? c.replaceFirst("^rtsps?://[^/]*/[^/?]*/?", "") : c;
      if (tail.equals(pathAfterCamera)) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * The description given to readers: every media relayed with its attributes, control {@code trackID=i}, and
   * for H.264/H.265 the latest parameter sets (so a reader decodes from its first keyframe).
   */
  public static String forReaders(String cameraId, List<Media> media, List<Optional<String>> fmtpOverride) {
    StringBuilder b = new StringBuilder();
    b.append("v=0\r\n")
        .append("o=- ").append(Math.abs((long) cameraId.hashCode())).append(" 1 IN IP4 127.0.0.1\r\n")
        .append("s=").append(cameraId).append("\r\n")
        .append("c=IN IP4 0.0.0.0\r\n")
        .append("t=0 0\r\n")
        .append("a=tool:safecity-gateway\r\n")
        .append("a=control:*\r\n");
    for (int i = 0; i < media.size(); i++) {
      Media m = media.get(i);
      b.append("m=").append(m.type()).append(" 0 RTP/AVP ").append(m.payloadType()).append("\r\n");
      for (String a : m.attributes()) {
        if (a.startsWith("fmtp:") && fmtpOverride.get(i).isPresent()) {
          b.append("a=fmtp:").append(m.payloadType()).append(' ').append(fmtpOverride.get(i).get()).append("\r\n");
        } else {
          b.append("a=").append(a).append("\r\n");
        }
      }
      if (m.fmtp().isEmpty() && fmtpOverride.get(i).isPresent()) {
        b.append("a=fmtp:").append(m.payloadType()).append(' ').append(fmtpOverride.get(i).get()).append("\r\n");
      }
      b.append("a=control:trackID=").append(i).append("\r\n");
    }
    return b.toString();
  }
}
