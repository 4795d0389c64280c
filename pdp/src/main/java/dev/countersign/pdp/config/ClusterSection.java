package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.cluster.ClusterSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code cluster}: how this node's member finds the others. {@code COUNTERSIGN_CLUSTER_MEMBERS}
 * (comma-separated) and {@code COUNTERSIGN_CLUSTER_PORT} override the file; {@code --cluster-port} both.
 */
final class ClusterSection {
    private ClusterSection() {
    }

    static ClusterSettings read(Settings r, JsonNode c, Map<String, String> env, Integer flagPort) throws ConfigException {
        r.keys(c, "cluster", Set.of("name", "host", "port", "members", "kubernetes", "min_members"));
        String name = r.text(c, "cluster.name", "countersign");
        String host = r.text(c, "cluster.host", "127.0.0.1");
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
        int minMembers = r.integer(c, "cluster.min_members", ClusterSettings.defaultMinMembers(members));
        if (minMembers < 1) {
            throw r.error("cluster.min_members must be 1 or more");
        }
        if (!members.isEmpty() && minMembers > members.size()) {
            throw r.error("cluster.min_members is " + minMembers + ", more than the " + members.size()
                    + " cluster.members listed; approvals would never be possible");
        }
        return new ClusterSettings(name, host, port, members, kubernetes, minMembers);
    }
}
