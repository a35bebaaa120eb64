package org.safecity.gateway.ops;

import java.net.BindException;

/** Turns a failed bind into a message that names the port and the setting to change. */
public final class Listening {
  private Listening() {
  }

  public static Throwable describe(String edge, String settingKey, int port, Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && !(root instanceof BindException)) {
      root = root.getCause();
    }
    String env = org.safecity.gateway.config.Settings.find(settingKey).map(s -> s.envName()).orElse("");
    if (root instanceof BindException || String.valueOf(root.getMessage()).contains("Address already in use")) {
      return new IllegalStateException(edge + " port " + port + " is already in use; free it or change "
          + settingKey + " (environment " + env + ")", cause);
    }
    return new IllegalStateException(edge + " could not listen on port " + port + " (" + settingKey + "): "
        + cause.getMessage(), cause);
  }
}
