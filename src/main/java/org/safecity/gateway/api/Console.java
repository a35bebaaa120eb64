package org.safecity.gateway.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The command-centre console: static files from the classpath folder {@code console/}, served at {@code /}. The
 * page is public (it holds no data); it logs in with {@code POST /api/v1/auth/token} and uses only the public API,
 * so {@link ApiAuth} (which guards {@code /api/} only) needs nothing for it.
 */
final class Console {
  /** Only this origin's scripts, styles and connections: no remote script, no inline script, no framing. */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private Console() {
  }

  static void mount(Router router) {
    router.getWithRegex("/(?!api/|health/|metrics).*").handler(rc -> {
      // No build step, so no content-hashed names: revalidate every time (Last-Modified / 304) so that a new
      // gateway version's page is never mixed with an old cached module.
      rc.response().putHeader("Cache-Control", "no-cache")
          .putHeader("Content-Security-Policy", CSP)
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer"); // the event stream's URL carries the token
      rc.next();
    }).handler(StaticHandler.create("console").setCachingEnabled(true).setDirectoryListing(false)
        .setIncludeHidden(false).setDefaultContentEncoding("UTF-8").setIndexPage("index.html"));
  }
}
