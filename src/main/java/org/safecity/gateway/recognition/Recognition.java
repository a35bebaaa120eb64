package org.safecity.gateway.recognition;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.function.Function;
import org.safecity.gateway.config.GatewayConfig.RecognitionConfig;

/** Recognition on this node: the sampler fan-out the RTSP edge feeds. */
public final class Recognition {
  private final RecognitionFanOut fanOut;

  /** @param regionOf a camera's region, "" when unknown */
  public Recognition(Vertx vertx, RecognitionConfig config, MeterRegistry metrics, Function<String, String> regionOf) {
    this.fanOut = new RecognitionFanOut(vertx, policy(config), metrics, regionOf, System::currentTimeMillis);
  }

  static SamplerPolicy policy(RecognitionConfig c) {
    return new SamplerPolicy(SampleMode.parse(c.sampleMode()), c.maxFps(), c.deadline().toMillis(), c.maxGopBytes());
  }

  /** What the RTSP edge hands whole frames to. */
  public RecognitionFanOut fanOut() {
    return fanOut;
  }
}
