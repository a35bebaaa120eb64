package org.safecity.gateway.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of {@code java -jar safecity-gateway.jar demo [options]}. The defaults make a city worth looking
 * at; tests shorten the times.
 *
 * @param config             the gateway's {@code --config FILE}, as for a normal run
 * @param dataDir            where the demo keeps its state; empty = the configured data.dir with {@code -demo} appended
 * @param boxes              street boxes, alternately in the south and the east
 * @param cameras            cameras, two to a box from the first box on
 * @param firstIncidentAfter the first scripted incident this long after the city is up
 * @param incidentEvery      then one every this long
 * @param incidentStep       between the steps of one incident (door opens, box carried off, box goes dark)
 * @param recoverAfter       how long a stolen box stays gone, or a box without mains, before it is back to normal
 * @param boxKeepalive       the boxes' MQTT keepalive: a box that goes dark is offline 1.5 times this later
 */
public record DemoOptions(Optional<Path> config, Optional<Path> dataDir, int boxes, int cameras,
                          Duration firstIncidentAfter, Duration incidentEvery, Duration incidentStep,
                          Duration recoverAfter, Duration boxKeepalive) {

  public static final String USAGE = String.join(System.lineSeparator(),
      "usage: java -jar safecity-gateway.jar demo [options]",
      "Starts the gateway on its embedded defaults together with a simulated city: cameras pushing H.264 over RTSP,",
      "street boxes over MQTT in two regions (south, east), two ERV units driving and reporting positions, and a",
      "scripted incident every so often (theft of a box; a box losing mains power; a car on the hotlist running a",
      "red light, while the plate recognizer is on). Prints the demo's logins.",
      "",
      "  --config FILE               gateway settings, as for a normal run (ports, log format ...)",
      "  --data-dir DIR              the demo's own state; default: data.dir + '-demo' (./data-demo)",
      "  --boxes 24                  street boxes (1..200), alternately south and east",
      "  --cameras 24                cameras (0..400, at most two per box)",
      "  --first-incident-after 20s  the first scripted incident",
      "  --incident-every 60s        then one every this long, in turn: theft, power cut, hotlisted plate",
      "  --incident-step 5s          between the steps of an incident",
      "  --recover-after 90s         a stolen box comes back (or mains return) this long after",
      "  --box-keepalive 10s         MQTT keepalive of the boxes (a dark box is offline 1.5 x this later)",
      "Durations: 500ms, 20s, 2m, 1h.");

  public DemoOptions {
    if (boxes < 1 || boxes > 200) {
      throw new IllegalArgumentException("--boxes must be 1..200, got " + boxes);
    }
    if (cameras < 0 || cameras > 2 * boxes) {
      throw new IllegalArgumentException("--cameras must be 0.." + 2 * boxes + " (two per box), got " + cameras);
    }
    if (boxKeepalive.toSeconds() < 1 || boxKeepalive.toSeconds() > 600) {
      throw new IllegalArgumentException("--box-keepalive must be 1s..10m (MQTT counts whole seconds), got "
          + boxKeepalive.toMillis() + "ms");
    }
    if (incidentEvery.isZero() || incidentStep.isZero()) {
      throw new IllegalArgumentException("--incident-every and --incident-step must be more than 0");
    }
  }

  /** Asked for with {@code -h} / {@code --help}. */
  public static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super("help", null, false, false);
    }
  }

  public static DemoOptions parse(String... args) {
    Optional<Path> config = Optional.empty();
    Optional<Path> dataDir = Optional.empty();
    int boxes = 24;
    int cameras = 24;
    Duration first = Duration.ofSeconds(20);
    Duration every = Duration.ofSeconds(60);
    Duration step = Duration.ofSeconds(5);
    Duration recover = Duration.ofSeconds(90);
    Duration keepalive = Duration.ofSeconds(10);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        throw new HelpRequested();
      }
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--config" -> config = Optional.of(Path.of(v));
        case "--data-dir" -> dataDir = Optional.of(Path.of(v));
        case "--boxes" -> boxes = integer(a, v);
        case "--cameras" -> cameras = integer(a, v);
        case "--first-incident-after" -> first = duration(a, v);
        case "--incident-every" -> every = duration(a, v);
        case "--incident-step" -> step = duration(a, v);
        case "--recover-after" -> recover = duration(a, v);
        case "--box-keepalive" -> keepalive = duration(a, v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new DemoOptions(config, dataDir, boxes, cameras, first, every, step, recover, keepalive);
  }

  private static int integer(String option, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " expects a whole number, got '" + v + "'");
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

  static Duration duration(String option, String v) {
    Matcher m = DURATION.matcher(v.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(option + " expects a duration such as 500ms, 20s, 2m or 1h, got '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
