package org.safecity.gateway.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.safecity.gateway.config.GatewayConfig.LogConfig;
import org.slf4j.LoggerFactory;

/**
 * One line per log event, with a level: {@code key=value} text for people, JSON for log shippers. Stack
 * traces are folded onto the same line so a collector never splits one event into many.
 */
public final class Logging {
  static final String TEXT_PATTERN = "ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} level=%level thread=%thread "
      + "logger=%logger{0} msg=%replace(%msg){'[\\r\\n]+', ' '}%replace(%ex{12}){'[\\r\\n]+\\s*', ' | '}%nopex%n";

  private Logging() {
  }

  public static void configure(LogConfig config) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    Encoder<ILoggingEvent> encoder;
    if ("json".equals(config.format())) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(ctx);
      json.start();
      encoder = json;
    } else {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setContext(ctx);
      text.setPattern(TEXT_PATTERN);
      text.start();
      encoder = text;
    }
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(ctx);
    out.setName("console");
    out.setEncoder(encoder);
    out.start();
    var root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(config.level(), Level.INFO));
    root.addAppender(out);
    // Third-party chatter that says nothing to an operator at info level.
    ctx.getLogger("io.zonky").setLevel(Level.WARN);
    ctx.getLogger("io.netty").setLevel(Level.INFO);
    // Hazelcast reports every join step at info; the gateway logs membership changes itself.
    ctx.getLogger("com.hazelcast").setLevel(Level.WARN);
    // "CP Subsystem is not enabled": the gateway keeps no state in Hazelcast (PostgreSQL is the truth).
    ctx.getLogger("com.hazelcast.cp").setLevel(Level.ERROR);
    // vertx-micrometer registers the pool's client gauge twice; Micrometer warns once per start, harmlessly.
    ctx.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
  }
}
