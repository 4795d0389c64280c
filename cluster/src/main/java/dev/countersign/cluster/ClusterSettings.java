package dev.countersign.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.callback.CallbackOutbox;
import java.util.List;

/**
 * How a node's embedded Hazelcast member finds the others. The default is a single member on
 * 127.0.0.1:5701 that joins nobody: multicast and auto-detection are always off, and phoning home is
 * off. Several members list each other ({@code members}, as {@code host:port}); on Kubernetes they
 * find each other through the service's endpoints instead.
 *
 * <p>{@code minMembers} is how many members a node must see to read or change approvals (see
 * {@link dev.countersign.cluster.approval.HazelcastApprovalStore}): a node cut off in a minority
 * refuses them rather than let each side of a split approve on its own. It
 * defaults to a majority of the listed members when three or more are listed, and to 1 otherwise
 * (one member, two members, or Kubernetes, where the count is not known in advance).
 */
public record ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes, int minMembers) {
    /** A member that hears nothing from another for this long counts it gone, so a silent split is noticed by then. */
    public static final int SPLIT_NOTICED_WITHIN_SECONDS = 15;

    public ClusterSettings {
        members = List.copyOf(members);
        if (minMembers < 1) {
            throw new IllegalArgumentException("min_members must be 1 or more, not " + minMembers);
        }
    }

    /** Settings with the default {@code minMembers}. */
    public ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes) {
        this(name, host, port, members, kubernetes, defaultMinMembers(members));
    }

    /** A majority of {@code members} when three or more are listed, else 1. */
    public static int defaultMinMembers(List<String> members) {
        return members.size() >= 3 ? members.size() / 2 + 1 : 1;
    }

    /** Kubernetes discovery: the service whose endpoints are the members, in a namespace (the pod's when null). */
    public record Kubernetes(String serviceName, String namespace) {
    }

    public static ClusterSettings single() {
        return new ClusterSettings("countersign", "127.0.0.1", 5701, List.of(), null, 1);
    }

    /** Applies these settings to {@code config} (which may already hold what the Vert.x cluster manager needs). */
    public Config applyTo(Config config) {
        config.setClusterName(name);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A silent split (no connection closed, no heartbeat) is noticed within this window; see Majority.
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(SPLIT_NOTICED_WITHIN_SECONDS));
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.setPublicAddress(null);
        network.getInterfaces().clear();
        network.getInterfaces().setEnabled(true).addInterface(host);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (kubernetes != null) {
            join.getTcpIpConfig().setEnabled(false);
            join.getKubernetesConfig().setEnabled(true).setProperty("service-name", kubernetes.serviceName());
            if (kubernetes.namespace() != null) {
                join.getKubernetesConfig().setProperty("namespace", kubernetes.namespace());
            }
            network.getInterfaces().setEnabled(false);
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(members.isEmpty() ? List.of(host + ":" + port) : members);
        }
        // Approval state survives the loss of any one member.
        MapConfig approvals = new MapConfig(HazelcastApprovalStore.APPROVALS).setBackupCount(1).setReadBackupData(false);
        approvals.addIndexConfig(new IndexConfig(IndexType.HASH, "status"));
        approvals.addIndexConfig(new IndexConfig(IndexType.SORTED, "expiresAt"));
        MapConfig asks = new MapConfig(HazelcastApprovalStore.ASKS).setBackupCount(1).setTimeToLiveSeconds(7 * 24 * 3600);
        MapConfig callbacks = new MapConfig(CallbackOutbox.MAP).setBackupCount(1);
        callbacks.addIndexConfig(new IndexConfig(IndexType.SORTED, "nextAttempt"));
        config.addMapConfig(approvals);
        config.addMapConfig(asks);
        config.addMapConfig(callbacks);
        return config;
    }
}
