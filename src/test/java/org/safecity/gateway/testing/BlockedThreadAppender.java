package org.safecity.gateway.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every "Thread ... has been blocked" warning Vert.x logs in this JVM. */
public final class BlockedThreadAppender extends AppenderBase<ILoggingEvent> {
  static final List<String> SEEN = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    String m = event.getFormattedMessage();
    if (m != null && m.contains("has been blocked for")) {
      SEEN.add(m);
    }
  }
}
