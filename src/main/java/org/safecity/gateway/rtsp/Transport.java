package org.safecity.gateway.rtsp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One RTSP {@code Transport} choice (RFC 2326 12.39), parsed leniently: real cameras and players write
 * {@code RTP/AVP/TCP} or {@code RTP/AVP} with {@code interleaved}, leave {@code interleaved} out, quote or
 * capitalise {@code mode}, and offer several comma-separated alternatives.
 *
 * @param tcp         RTP over the RTSP connection ({@code $}-framed) rather than UDP
 * @param multicast   the client asked for multicast (not served)
 * @param rtpChannel  interleaved RTP channel, or -1 when the client left it to the server
 * @param rtcpChannel interleaved RTCP channel, or -1
 * @param clientRtp   UDP port the client receives RTP on (reader) or sends from (publisher), or -1
 * @param clientRtcp  UDP port for RTCP, or -1
 * @param record      mode=record (a publisher's SETUP)
 */
public record Transport(boolean tcp, boolean multicast, int rtpChannel, int rtcpChannel, int clientRtp,
                        int clientRtcp, boolean record) {

  /** Every well-formed alternative of a Transport header, in the client's order of preference. */
  public static List<Transport> parseAll(String header) {
    List<Transport> out = new ArrayList<>();
    if (header == null) {
      return out;
    }
    for (String choice : header.split(",")) {
      parse(choice).ifPresent(out::add);
    }
    return out;
  }

  static Optional<Transport> parse(String choice) {
    String[] parts = choice.trim().split(";");
    String spec = parts[0].trim().toUpperCase(Locale.ROOT);
    boolean tcp;
    if (spec.equals("RTP/AVP/TCP")) {
      tcp = true;
    } else if (spec.equals("RTP/AVP") || spec.equals("RTP/AVP/UDP")) {
      tcp = false;
    } else {
      return Optional.empty(); // RTP/SAVP, RAW/RAW/UDP, ...: not offered by us
    }
    boolean multicast = false;
    boolean record = false;
    int[] interleaved = {-1, -1};
    int[] client = {-1, -1};
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : unquote(p.substring(eq + 1).trim());
      switch (name) {
        case "multicast" -> multicast = true;
        case "interleaved" -> {
          interleaved = range(value, 255);
          if (interleaved == null) {
            return Optional.empty();
          }
          // Some clients send interleaved with plain RTP/AVP: they mean TCP.
          tcp = true;
        }
        case "client_port" -> {
          client = range(value, 65535);
          if (client == null) {
            return Optional.empty();
          }
        }
        case "mode" -> record = value.toLowerCase(Locale.ROOT).contains("record");
        default -> {
          // unicast, ttl, ssrc, destination, source: nothing to do for a unicast server
        }
      }
    }
    return Optional.of(new Transport(tcp, multicast, interleaved[0], interleaved[1], client[0], client[1], record));
  }

  /** {@code a-b} or a single {@code a} (then b = a + 1); null when malformed or out of bounds. */
  private static int[] range(String value, int max) {
    try {
      String[] ab = value.split("-", 2);
      int a = Integer.parseInt(ab[0].trim());
      int b = ab.length > 1 ? Integer.parseInt(ab[1].trim()) : a + 1;
      if (a < 0 || b < 0 || a > max || b > max) {
        return null;
      }
      return new int[] {a, b};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  /** The header value the server answers with for a TCP session on channels {@code rtp} and {@code rtp + 1}. */
  public static String tcpReply(int rtp, int rtcp, boolean record) {
    return "RTP/AVP/TCP;unicast;interleaved=" + rtp + "-" + rtcp + (record ? ";mode=record" : "");
  }

  /** The header value for a UDP session. */
  public static String udpReply(int clientRtp, int clientRtcp, int serverRtp, int serverRtcp, boolean record) {
    return "RTP/AVP;unicast;client_port=" + clientRtp + "-" + clientRtcp + ";server_port=" + serverRtp + "-" + serverRtcp
        + (record ? ";mode=record" : "");
  }
}
