package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.cluster.store.StoreLocation;
import java.util.Set;

/**
 * {@code store: {kind, postgres: {url, user, password, pool}}}: where approval state is kept durably.
 * A node alone defaults to the embedded file database in its data directory. A member of a cluster
 * must name one: {@code postgres} (one database all members share) or, knowingly, {@code kind: memory};
 * a file database per member cannot bring a cluster back after a full restart, since the cluster loads
 * its state from one member, so {@code embedded} is refused there.
 */
final class StoreSection {
    static final int DEFAULT_POOL = 8;

    private StoreSection() {
    }

    static ServerConfig.Store read(Settings r, JsonNode root, ClusterSettings cluster) throws ConfigException {
        JsonNode section = r.object(root, "store");
        r.keys(section, "store", Set.of("kind", "postgres"));
        JsonNode pg = section.get("postgres");
        String kind = r.text(section, "store.kind", pg == null || pg.isNull() ? null : "postgres");
        if (kind == null) {
            if (!cluster.alone()) {
                throw r.error("store: a node with cluster members (or kubernetes discovery) needs store.postgres, one PostgreSQL database"
                        + " all members share, so approvals survive a restart of every member; or store: {kind: memory} to keep them in"
                        + " memory only (lost when every member stops)");
            }
            return ServerConfig.Store.UNSET;
        }
        switch (kind) {
            case "memory", "embedded" -> {
                if (pg != null && !pg.isNull()) {
                    throw r.error("store.postgres is set but store.kind is " + kind + ": remove one");
                }
                if (kind.equals("embedded") && !cluster.alone()) {
                    throw r.error("store.kind embedded keeps approvals in one node's data directory, which a cluster cannot load"
                            + " from after a restart of every member: use store.postgres, or store.kind memory");
                }
                return kind.equals("memory") ? ServerConfig.Store.MEMORY : ServerConfig.Store.EMBEDDED;
            }
            case "postgres" -> {
                return new ServerConfig.Store(ServerConfig.Store.Kind.POSTGRES, postgres(r, r.object(section, "postgres")));
            }
            default -> throw r.error("store.kind must be embedded (a file database in data_dir, one node), postgres (with"
                    + " store.postgres) or memory (nothing kept across a restart), not " + kind);
        }
    }

    private static StoreLocation postgres(Settings r, JsonNode pg) throws ConfigException {
        r.keys(pg, "store.postgres", Set.of("url", "user", "password", "pool"));
        String url = r.text(pg, "store.postgres.url", null);
        if (url == null) {
            throw r.error("store.postgres.url is required, such as jdbc:postgresql://db.internal:5432/countersign");
        }
        if (!url.startsWith("jdbc:postgresql://")) {
            throw r.error("store.postgres.url must be a PostgreSQL JDBC URL, jdbc:postgresql://host:port/database, not " + url);
        }
        String user = r.text(pg, "store.postgres.user", null);
        if (user == null || user.isBlank()) {
            throw r.error("store.postgres.user is required");
        }
        String password = r.text(pg, "store.postgres.password", "");
        long pool = r.integer(pg, "store.postgres.pool", DEFAULT_POOL);
        if (pool < 1 || pool > 100) {
            throw r.error("store.postgres.pool must be from 1 to 100 connections per member, not " + pool);
        }
        return StoreLocation.postgres(url, user, password, (int) pool);
    }
}
