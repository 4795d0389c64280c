package dev.countersign.cluster;

import com.hazelcast.config.Config;
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
 */
public record ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes) {

    public ClusterSettings {
        members = List.copyOf(members);
    }

    /** Kubernetes discovery: the service whose endpoints are the members, in a namespace (the pod's when null). */
    public record Kubernetes(String serviceName, String namespace) {
    }

    public static ClusterSettings single() {
        return new ClusterSettings("countersign", "127.0.0.1", 5701, List.of(), null);
    }

    /** Applies these settings to {@code config} (which may already hold what the Vert.x cluster manager needs). */
    public Config applyTo(Config config) {
        config.setClusterName(name);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
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
        config.addMapConfig(new MapConfig(HazelcastApprovalStore.APPROVALS).setBackupCount(1).setReadBackupData(false));
        config.addMapConfig(new MapConfig(HazelcastApprovalStore.ASKS).setBackupCount(1).setTimeToLiveSeconds(7 * 24 * 3600));
        config.addMapConfig(new MapConfig(CallbackOutbox.MAP).setBackupCount(1));
        return config;
    }
}
