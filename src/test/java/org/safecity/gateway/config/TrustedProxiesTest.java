package org.safecity.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  final TrustedProxies lb = TrustedProxies.parse("10.0.0.0/8, 192.168.1.5 ,fd00::/8");

  @Test
  void rangesAndSingleAddresses() {
    assertThat(lb.trusts("10.1.2.3")).isTrue();
    assertThat(lb.trusts("11.0.0.1")).isFalse();
    assertThat(lb.trusts("192.168.1.5")).isTrue();
    assertThat(lb.trusts("192.168.1.6")).isFalse();
    assertThat(lb.trusts("fd12:3456::1")).isTrue();
    assertThat(lb.trusts("::ffff:10.9.9.9")).as("an IPv4-mapped peer").isTrue();
    assertThat(lb.trusts("2001:db8::1")).isFalse();
    assertThat(lb.trusts("localhost")).as("names are never looked up").isFalse();
    assertThat(TrustedProxies.parse("172.16.0.0/12").trusts("172.31.255.255")).isTrue();
    assertThat(TrustedProxies.parse("172.16.0.0/12").trusts("172.32.0.0")).isFalse();
    assertThat(TrustedProxies.parse("").isEmpty()).isTrue();
  }

  @Test
  void theClientIsTheFirstUntrustedHopFromTheRight() {
    assertThat(lb.client("10.0.0.7", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
    assertThat(lb.client("10.0.0.7", List.of("198.51.100.1, 203.0.113.9, 10.0.0.8"))).as("two proxies of ours")
        .isEqualTo("203.0.113.9");
    assertThat(lb.client("10.0.0.7", List.of("1.2.3.4", "203.0.113.9"))).as("header given twice: one list").isEqualTo("203.0.113.9");
    assertThat(lb.client("10.0.0.7", List.of("203.0.113.9:4711"))).isEqualTo("203.0.113.9");
    assertThat(lb.client("10.0.0.7", List.of("[2001:db8::7]:4711"))).isEqualTo("2001:db8::7");
    assertThat(lb.client("10.0.0.7", List.of())).as("no header: the proxy itself").isEqualTo("10.0.0.7");
    assertThat(lb.client("10.0.0.7", List.of("unknown, 10.0.0.9"))).as("garbage stops the walk").isEqualTo("10.0.0.9");
  }

  @Test
  void aClientThatIsNoProxyCannotNameAnotherAddress() {
    assertThat(lb.client("203.0.113.9", List.of("10.0.0.1"))).isEqualTo("203.0.113.9");
    assertThat(TrustedProxies.NONE.client("10.0.0.7", List.of("203.0.113.9"))).isEqualTo("10.0.0.7");
  }

  @Test
  void entriesThatAreNotAddressesAreRefusedByName() {
    assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/8, lb.example.org")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"lb.example.org\" is not an IP address");
    assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("0..32");
    assertThatThrownBy(() -> TrustedProxies.parse("300.1.1.1")).hasMessageContaining("not an IP address");
  }
}
