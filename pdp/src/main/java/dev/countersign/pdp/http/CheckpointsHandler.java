package dev.countersign.pdp.http;

import dev.countersign.pdp.evidence.PublishedCheckpoints;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /v1/audit/checkpoints} (admin): every node's latest signed audit checkpoint as kept in the cluster,
 * by node — the record's fields ({@code kind}, {@code time}, {@code at_seq}, {@code at_hash}, {@code jws}); the
 * {@code jws} is what {@code countersign audit verify --checkpoint} takes. Read from the cluster on a worker thread.
 */
public final class CheckpointsHandler {
    private final PublishedCheckpoints checkpoints;

    public CheckpointsHandler(PublishedCheckpoints checkpoints) {
        this.checkpoints = checkpoints;
    }

    public void getCheckpoints(RoutingContext ctx) {
        ctx.vertx().executeBlocking(() -> {
            Map<String, Object> byNode = new LinkedHashMap<>();
            checkpoints.all().forEach((node, json) -> byNode.put(node, new JsonObject(json).getMap()));
            return Map.<String, Object>of("checkpoints", byNode);
        }, false).onSuccess(body -> Responses.value(ctx, 200, body)).onFailure(ctx::fail);
    }
}
