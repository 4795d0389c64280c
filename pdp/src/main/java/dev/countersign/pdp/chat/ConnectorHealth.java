package dev.countersign.pdp.chat;

import dev.countersign.connectors.Connector;
import dev.countersign.connectors.Health;
import dev.countersign.pdp.http.HealthHandler;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A connector's health for readiness: probed at start and then every {@link #EVERY_MS} ms
 * ({@link Connector#health}, e.g. Slack's {@code auth.test}), the last answer kept so that a
 * readiness probe never waits for the platform. Reported, never required: a platform being down
 * stops no decision.
 */
final class ConnectorHealth {
    static final long EVERY_MS = 30_000;

    private final Connector connector;
    private final AtomicReference<Health> last = new AtomicReference<>(Health.down("not probed yet"));
    private long timer = -1;

    ConnectorHealth(Connector connector) {
        this.connector = connector;
    }

    void start(Vertx vertx) {
        probe();
        timer = vertx.setPeriodic(EVERY_MS, t -> probe());
    }

    private void probe() {
        connector.health().onSuccess(last::set).onFailure(failure -> last.set(Health.down(failure.toString())));
    }

    HealthHandler.Check check() {
        return new HealthHandler.Check(connector.kind(), () -> {
            Health h = last.get();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("detail", h.detail());
            return h.up() ? HealthHandler.Status.up(details) : HealthHandler.Status.down(details);
        }, false);
    }

    void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
