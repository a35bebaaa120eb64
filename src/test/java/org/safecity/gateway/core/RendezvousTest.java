package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
  static List<String> cameras(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add("cam-" + i);
    }
    return out;
  }

  static Map<String, String> owners(List<String> keys, List<String> nodes) {
    Map<String, String> out = new HashMap<>();
    keys.forEach(k -> out.put(k, Rendezvous.owner(k, nodes).orElseThrow()));
    return out;
  }

  @Test
  void everyNodeAgreesWhateverTheOrderOfItsMemberList() {
    List<String> keys = cameras(500);
    assertThat(owners(keys, List.of("a", "b", "c"))).isEqualTo(owners(keys, List.of("c", "a", "b")));
    assertThat(Rendezvous.owner("cam-1", List.of())).isEmpty();
    assertThat(Rendezvous.owner("cam-1", List.of("only"))).contains("only");
  }

  @Test
  void keysSpreadEvenlyAndOnlyTheLostNodesKeysMove() {
    List<String> keys = cameras(6000);
    List<String> four = List.of("node-a", "node-b", "node-c", "node-d");
    Map<String, String> before = owners(keys, four);
    Map<String, Integer> per = new HashMap<>();
    before.values().forEach(n -> per.merge(n, 1, Integer::sum));
    assertThat(per).hasSize(4);
    // 1,500 each on average; a fair hash stays well within 10 %.
    per.values().forEach(count -> assertThat(count).isBetween(1350, 1650));

    Map<String, String> after = owners(keys, List.of("node-a", "node-b", "node-d"));
    for (String k : keys) {
      if (!before.get(k).equals("node-c")) {
        assertThat(after.get(k)).as(k + " stays where it was").isEqualTo(before.get(k));
      } else {
        assertThat(after.get(k)).isNotEqualTo("node-c");
      }
    }
  }

  @Test
  void aJoiningNodeTakesAboutItsShareFromTheOthers() {
    List<String> keys = cameras(6000);
    Map<String, String> three = owners(keys, List.of("x", "y", "z"));
    Map<String, String> four = owners(keys, List.of("x", "y", "z", "w"));
    long moved = keys.stream().filter(k -> !three.get(k).equals(four.get(k))).count();
    assertThat(keys.stream().filter(k -> !three.get(k).equals(four.get(k))).allMatch(k -> four.get(k).equals("w"))).isTrue();
    assertThat(moved).isBetween(1350L, 1650L);
  }
}
