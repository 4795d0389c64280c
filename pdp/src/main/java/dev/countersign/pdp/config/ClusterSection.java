package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.ClusterSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code cluster}: how this node's member finds the others, and the secret they share.
 * {@code COUNTERSIGN_CLUSTER_MEMBERS} (comma-separated), {@code COUNTERSIGN_CLUSTER_PORT} and
 * {@code COUNTERSIGN_CLUSTER_SECRET} override the file; {@code --cluster-port} both. A node with other
 * members (listed or discovered) needs the secret; a node alone makes its own (kept in its data
 * directory). Kubernetes discovery needs {@code min_members}: the number of replicas is not known here.
 */
final class ClusterSection {
    private ClusterSection() {
    }

    private static boolean isWildcard(String host) {
        String h = host.trim();
        return h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") || h.equals("*") || h.matches("0+(\\.0+){0,3}")
                || h.matches("\\[?(0{0,4}:){2,7}0{0,4}]?");
    }

    static ClusterSettings read(Settings r, JsonNode c, Map<String, String> env, Integer flagPort) throws ConfigException {
        r.keys(c, "cluster", Set.of("name", "host", "port", "members", "kubernetes", "min_members", "secret", "max_clock_skew"));
        String name = r.text(c, "cluster.name", "countersign");
        String host = r.text(c, "cluster.host", "127.0.0.1");
        if (isWildcard(host)) {
            throw r.error("cluster.host " + host + " is the wildcard address: the cluster port would listen on every interface;"
                    + " give the one address of this machine that the other members reach (127.0.0.1 for a node alone)");
        }
        int port = flagPort != null ? flagPort
                : env.containsKey("COUNTERSIGN_CLUSTER_PORT") ? ConfigLoader.parsePort(env.get("COUNTERSIGN_CLUSTER_PORT"), "COUNTERSIGN_CLUSTER_PORT")
                : r.integer(c, "cluster.port", 5701);
        List<String> members = new ArrayList<>();
        String fromEnv = env.get("COUNTERSIGN_CLUSTER_MEMBERS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            for (String m : fromEnv.split(",")) {
                if (!m.isBlank()) {
                    members.add(m.trim());
                }
            }
        } else {
            members.addAll(r.texts(c, "cluster.members"));
        }
        for (String m : members) {
            if (!m.matches("[^:\\s]+:\\d{1,5}")) {
                throw r.error("cluster member \"" + m + "\" must be host:port, e.g. 127.0.0.1:5701 (no ranges)");
            }
        }
        ClusterSettings.Kubernetes kubernetes = null;
        JsonNode k = c.get("kubernetes");
        if (k != null && !k.isNull()) {
            r.keys(k, "cluster.kubernetes", Set.of("service_name", "namespace"));
            kubernetes = new ClusterSettings.Kubernetes(r.required(k, "cluster.kubernetes.service_name"),
                    r.text(k, "cluster.kubernetes.namespace", null));
            if (!members.isEmpty()) {
                throw r.error("cluster.members and cluster.kubernetes exclude each other");
            }
        }
        if (kubernetes != null && (c.get("min_members") == null || c.get("min_members").isNull())) {
            throw r.error("cluster.kubernetes needs cluster.min_members: set it to a majority of the replicas (2 of 3, 3 of 5), so"
                    + " that a pod cut off from the others refuses approvals instead of deciding them alone");
        }
        int minMembers = r.integer(c, "cluster.min_members", ClusterSettings.defaultMinMembers(members));
        if (minMembers < 1) {
            throw r.error("cluster.min_members must be 1 or more");
        }
        if (!members.isEmpty() && minMembers > members.size()) {
            throw r.error("cluster.min_members is " + minMembers + ", more than the " + members.size()
                    + " cluster.members listed; approvals would never be possible");
        }
        Duration maxSkew = r.duration(c, "cluster.max_clock_skew", ClusterSettings.DEFAULT_MAX_CLOCK_SKEW);
        if (maxSkew.isZero()) {
            throw r.error("cluster.max_clock_skew must be longer than zero (default PT2S)");
        }
        String secretText = env.get("COUNTERSIGN_CLUSTER_SECRET");
        if (secretText == null || secretText.isBlank()) {
            secretText = r.text(c, "cluster.secret", null);
        }
        ClusterSecret secret = null;
        if (secretText != null) {
            try {
                secret = ClusterSecret.of(secretText);
            } catch (IllegalArgumentException e) {
                throw r.error("cluster.secret: " + e.getMessage());
            }
        }
        ClusterSettings settings = new ClusterSettings(name, host, port, members, kubernetes, minMembers, maxSkew, secret);
        if (secret == null && !settings.alone()) {
            throw r.error("a node with other cluster members needs the secret they share: set cluster.secret: \"${COUNTERSIGN_CLUSTER_SECRET}\""
                    + " (at least " + ClusterSecret.MIN_LENGTH + " characters, the same on every node), or the environment variable"
                    + " COUNTERSIGN_CLUSTER_SECRET");
        }
        return settings;
    }
}
