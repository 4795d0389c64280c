package dev.countersign.pdp.http;

import dev.countersign.pdp.evidence.PublishedKeys;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /.well-known/jwks.json}: the public keys (RFC 7517 JWK Set) that attestations and audit
 * checkpoints of every node of the cluster verify with, current and retired; no credentials needed.
 * Read from the cluster on a worker thread.
 */
public final class JwksHandler {
    public static final String PATH = "/.well-known/jwks.json";
    private final PublishedKeys keys;

    public JwksHandler(PublishedKeys keys) {
        this.keys = keys;
    }

    public void getJwks(RoutingContext ctx) {
        ctx.vertx().executeBlocking(() -> keys.all().toString(true), false).onComplete(result -> {
            if (result.succeeded()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/jwk-set+json")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "max-age=60").end(result.result());
            } else {
                ctx.fail(result.cause());
            }
        });
    }
}
