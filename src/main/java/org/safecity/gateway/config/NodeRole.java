package org.safecity.gateway.config;

import java.util.Locale;

/**
 * What one process of the gateway runs ({@code node.role}). The same jar starts as any of them; the deployment
 * decides how many of each.
 */
public enum NodeRole {
  /** Everything in one process: the single-node gateway, unclustered by default. */
  ALL,
  /** The device- and client-facing node: RTSP, MQTT, the API, box health; sampled frames go to workers. */
  EDGE,
  /** Recognition only: decodes and recognises frames from the bus; no public port, only the ops endpoints. */
  WORKER;

  public static NodeRole parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** RTSP, MQTT, the API, box and camera health, the alarm projection and the outbox relay. */
  public boolean runsEdges() {
    return this != WORKER;
  }

  /** Recognition workers (decoders and recognizers) in this process. */
  public boolean runsRecognitionWorkers() {
    return this != EDGE;
  }
}
