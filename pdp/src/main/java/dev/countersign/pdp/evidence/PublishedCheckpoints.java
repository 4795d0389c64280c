package dev.countersign.pdp.evidence;

import dev.countersign.cluster.member.MemberPublications;
import dev.countersign.pdp.audit.AuditLog;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's latest signed audit checkpoint in the cluster ({@value #MAP}, sealed, one entry per node,
 * kept when the node leaves), so that a log cut short after it can be told from a whole one: checked once a
 * second, published off the event loop when it changed. Its position and time are also metrics.
 */
public final class PublishedCheckpoints {
    public static final String MAP = "countersign.audit-checkpoints";
    private static final Logger LOG = LoggerFactory.getLogger(PublishedCheckpoints.class);

    private final Vertx vertx;
    private final AuditLog audit;
    private final String node;
    private final MemberPublications board;
    private final AtomicBoolean publishing = new AtomicBoolean();
    private volatile String published;

    public PublishedCheckpoints(Vertx vertx, AuditLog audit, String node, MemberPublications board) {
        this.vertx = vertx;
        this.audit = audit;
        this.node = node;
        this.board = board;
    }

    /** Publishes the latest checkpoint once a second while it changes. */
    public void start() {
        vertx.setPeriodic(1000, tick -> {
            String latest = audit.latestCheckpoint();
            if (latest != null && !latest.equals(published) && publishing.compareAndSet(false, true)) {
                vertx.executeBlocking(() -> {
                    board.publish(node, latest);
                    return null;
                }, false).onSuccess(v -> published = latest)
                        .onFailure(e -> LOG.warn("publishing the latest audit checkpoint failed: {}", e.toString()))
                        .onComplete(done -> publishing.set(false));
            }
        });
    }

    /** Every node's latest published checkpoint record (JSON with its {@code jws}), by node. Blocks: off the event loop. */
    public Map<String, String> all() {
        return board.all();
    }

    /** The seq the latest checkpoint signs, or 0. */
    public long latestSeq() {
        String latest = audit.latestCheckpoint();
        return latest == null ? 0 : new JsonObject(latest).getLong("at_seq", 0L);
    }

    /** When the latest checkpoint was written, in Unix seconds, or 0. */
    public double latestTime() {
        String latest = audit.latestCheckpoint();
        return latest == null ? 0 : Instant.parse(new JsonObject(latest).getString("time")).toEpochMilli() / 1000.0;
    }
}
