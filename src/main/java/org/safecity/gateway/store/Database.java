package org.safecity.gateway.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;
import org.safecity.gateway.config.GatewayConfig.StoreConfig;

/** The pooled connection to PostgreSQL (embedded or a real server) and its liveness probe. */
public final class Database {
  private final Pool pool;
  private final long probeTimeoutMs;

  private Database(Pool pool, long probeTimeoutMs) {
    this.pool = pool;
    this.probeTimeoutMs = probeTimeoutMs;
  }

  /**
   * @param uri {@code postgresql://user:password@host:port/db}; {@code jdbc:} prefixes are tolerated
   */
  public static Database connect(Vertx vertx, String uri, StoreConfig config) {
    return connect(vertx, uri, config, "safecity-store", config.poolSize());
  }

  /** A separate pool of {@code size} connections, e.g. the event log's own, so bursts elsewhere cannot starve it. */
  public static Database connect(Vertx vertx, String uri, StoreConfig config, String name, int size) {
    PgConnectOptions connect = connectOptions(uri).setPipeliningLimit(256);
    NetClientOptions tcp = new NetClientOptions().setConnectTimeout((int) config.connectTimeout().toMillis());
    PoolOptions pool = new PoolOptions()
        .setMaxSize(size)
        .setConnectionTimeout((int) config.connectTimeout().toMillis())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxWaitQueueSize(10_000)
        .setName(name)
        .setShared(false);
    return new Database(PgBuilder.pool().with(pool).with(tcp).connectingTo(connect).using(vertx).build(),
        Math.min(config.connectTimeout().toMillis(), 2000));
  }

  /** The server named by {@code uri}, as options for a connection of one's own (the event log's LISTEN). */
  public static PgConnectOptions connectOptions(String uri) {
    String u = uri.startsWith("jdbc:") ? uri.substring(5) : uri;
    return PgConnectOptions.fromUri(u).setReconnectAttempts(0);
  }

  public Pool pool() {
    return pool;
  }

  /** Succeeds when a round trip to the server works within the probe timeout. */
  public Future<Void> probe() {
    return pool.query("SELECT 1").execute().<Void>mapEmpty().timeout(probeTimeoutMs, TimeUnit.MILLISECONDS);
  }

  public Future<Void> close() {
    return pool.close();
  }
}
