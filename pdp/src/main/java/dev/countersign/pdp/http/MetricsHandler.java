package dev.countersign.pdp.http;

import dev.countersign.pdp.metrics.ServerMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /metrics}: the Prometheus text exposition, rendered on a worker thread. */
public final class MetricsHandler {
    private final ServerMetrics metrics;

    public MetricsHandler(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    public void getMetrics(RoutingContext ctx) {
        ctx.vertx().executeBlocking(metrics::scrape, false).onComplete(result -> {
            if (result.succeeded()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(result.result());
            } else {
                ctx.fail(result.cause());
            }
        });
    }
}
