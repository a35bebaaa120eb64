package org.safecity.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code http.trustedProxies}: the HTTP load balancers and reverse proxies in front of the API. Behind one, every
 * request comes from the balancer's address; the client's is in {@code X-Forwarded-For}, which anyone can also send.
 * So the header is believed only from a trusted peer, and then read from the right (the hops this side appended)
 * to the first address that is not itself a trusted proxy: that is the client for the audit log and the
 * per-address limits. Addresses are literals only (no name is ever looked up).
 */
public final class TrustedProxies {
  /** An address range: a network and its prefix length in bits. */
  record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  public static final TrustedProxies NONE = new TrustedProxies(List.of());
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /**
   * Parses a comma-separated list of addresses and CIDR ranges ({@code 10.0.0.0/8, 192.168.1.5, fd00::/8});
   * empty means no proxy is trusted.
   *
   * @throws ConfigException naming the entry that is not one
   */
  public static TrustedProxies parse(String spec) {
    List<Range> out = new ArrayList<>();
    for (String raw : spec.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int slash = entry.indexOf('/');
      byte[] address = literal(slash < 0 ? entry : entry.substring(0, slash));
      if (address == null) {
        throw new ConfigException("http.trustedProxies: \"" + entry + "\" is not an IP address or CIDR range "
            + "(such as 10.0.0.0/8 or 192.168.1.5; names are not accepted)");
      }
      int bits = address.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
          throw new ConfigException("http.trustedProxies: \"" + entry + "\": the prefix length must be 0.." + bits);
        }
      }
      out.add(new Range(address, prefix));
    }
    return new TrustedProxies(out);
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** Whether {@code address} (a literal) is one of the trusted proxies. */
  public boolean trusts(String address) {
    byte[] a = address == null ? null : literal(address);
    return a != null && ranges.stream().anyMatch(r -> r.contains(a));
  }

  /**
   * The client's address for a request from {@code peer} carrying these {@code X-Forwarded-For} header values
   * (each may list several hops, oldest first): the peer itself unless it is trusted; else, from the right, the
   * first hop that is not a trusted proxy (a hop that is not an address ends the walk: the last trusted one is
   * taken, as nothing before it can be believed).
   */
  public String client(String peer, List<String> forwardedFor) {
    if (peer == null || ranges.isEmpty() || !trusts(peer)) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",")) {
        if (!hop.isBlank()) {
          hops.add(hop.trim());
        }
      }
    }
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = withoutPort(hops.get(i));
      if (literal(hop) == null) {
        return client;
      }
      client = hop;
      if (!trusts(hop)) {
        return hop;
      }
    }
    return client;
  }

  /** {@code 203.0.113.7:4711} and {@code [2001:db8::1]:4711} as some proxies write them, without the port. */
  static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end < 0 ? hop : hop.substring(1, end);
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
      return hop.substring(0, colon); // IPv4 with a port (an IPv6 address has more than one colon)
    }
    return hop;
  }

  /** The bytes of an IPv4 or IPv6 literal, or null for anything else (never a name lookup). */
  static byte[] literal(String s) {
    String t = s.trim();
    if (IPV4.matcher(t).matches()) {
      for (String octet : t.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return null; // else InetAddress would take it for a host name and look it up
        }
      }
    } else if (!IPV6.matcher(t).matches()) {
      return null;
    }
    try {
      byte[] b = InetAddress.getByName(t).getAddress();
      if (b.length == 16 && isV4Mapped(b)) {
        return java.util.Arrays.copyOfRange(b, 12, 16);
      }
      return b;
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  @Override
  public String toString() {
    return ranges.isEmpty() ? "none" : ranges.size() + " ranges";
  }
}
