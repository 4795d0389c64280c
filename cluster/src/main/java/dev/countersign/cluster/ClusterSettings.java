package dev.countersign.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import dev.countersign.cluster.approval.ApprovalSeal;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How a node's embedded Hazelcast member finds the others, and whom it lets in. The default is a
 * single member on 127.0.0.1:5701 that joins nobody: multicast and auto-detection are always off,
 * and phoning home is off. Several members list each other ({@code members}, as {@code host:port});
 * on Kubernetes they find each other through the service's endpoints instead.
 *
 * <p>What the member exposes ({@link #applyTo}): one listening socket, bound to {@code host} only (no
 * wildcard bind), that speaks the member protocol only — Hazelcast clients are refused at the
 * handshake. Members join under a name derived from the cluster {@code secret}
 * ({@link ClusterSecret#joinName}), so a member without it is refused at the join; Java
 * deserialisation admits the product's own types only ({@link SerializationFilter}); approval state
 * is sealed with the secret ({@link ApprovalSeal}). The open-source edition has no TLS or member
 * authentication beyond that: the cluster network must be private, or wrapped in mTLS by the platform.
 *
 * <p>{@code minMembers} is how many members a node must see to read or change approvals, defaulting
 * to a majority of the listed members when three or more are listed and to 1 otherwise (Kubernetes
 * requires it to be set); {@code maxClockSkew} is how far a member's clock may be from the cluster's
 * before it refuses approval transitions ({@link Standing}).
 *
 * @param secret the shared cluster secret; null for a single member, which keeps its own
 */
public record ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes, int minMembers,
                              Duration maxClockSkew, ClusterSecret secret) {
    /** A member that hears nothing from another for this long counts it gone, so a silent split is noticed by then. */
    public static final int SPLIT_NOTICED_WITHIN_SECONDS = 15;
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(2);

    public ClusterSettings {
        members = List.copyOf(members);
        if (minMembers < 1) {
            throw new IllegalArgumentException("min_members must be 1 or more, not " + minMembers);
        }
    }

    /** Settings with the default {@code minMembers}, clock skew, and no secret. */
    public ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes) {
        this(name, host, port, members, kubernetes, defaultMinMembers(members));
    }

    /** Settings with the default clock skew and no secret. */
    public ClusterSettings(String name, String host, int port, List<String> members, Kubernetes kubernetes, int minMembers) {
        this(name, host, port, members, kubernetes, minMembers, DEFAULT_MAX_CLOCK_SKEW, null);
    }

    /** A majority of {@code members} when three or more are listed, else 1. */
    public static int defaultMinMembers(List<String> members) {
        return members.size() >= 3 ? members.size() / 2 + 1 : 1;
    }

    /**
     * Publishes the member's proof as soon as it has joined, so the others do not refuse approvals
     * meanwhile, and from then on removes the proofs of members that leave; publishes it again once the
     * member has rejoined after a split (a new join, so a new proof).
     */
    static final class ProofOnStart implements com.hazelcast.core.LifecycleListener, com.hazelcast.core.HazelcastInstanceAware {
        private volatile com.hazelcast.core.HazelcastInstance member;

        @Override
        public void setHazelcastInstance(com.hazelcast.core.HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public void stateChanged(com.hazelcast.core.LifecycleEvent event) {
            if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.STARTED && member != null
                    && member.getUserContext().get(MemberContext.KEY) instanceof MemberContext context) {
                context.standing().keepProofsCurrent(member);
                context.standing().proven(member);
            } else if (event.getState() == com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED && member != null
                    && member.getUserContext().get(MemberContext.KEY) instanceof MemberContext context) {
                context.standing().proven(member);
            }
        }
    }

    private static com.hazelcast.config.MapStoreConfig writtenThrough(Object implementation) {
        return new com.hazelcast.config.MapStoreConfig().setEnabled(true).setImplementation(implementation).setWriteDelaySeconds(0)
                .setInitialLoadMode(com.hazelcast.config.MapStoreConfig.InitialLoadMode.EAGER);
    }

    /** Kubernetes discovery: the service whose endpoints are the members, in a namespace (the pod's when null). */
    public record Kubernetes(String serviceName, String namespace) {
    }

    public static ClusterSettings single() {
        return new ClusterSettings("countersign", "127.0.0.1", 5701, List.of(), null, 1);
    }

    /** Whether this member is meant to be alone (no member listed but itself, no discovery): it may keep a secret of its own. */
    public boolean alone() {
        return kubernetes == null && (members.isEmpty() || members.equals(List.of(host + ":" + port)));
    }

    public ClusterSettings withSecret(ClusterSecret value) {
        return new ClusterSettings(name, host, port, members, kubernetes, minMembers, maxClockSkew, value);
    }

    public ClusterSettings withMaxClockSkew(Duration value) {
        return new ClusterSettings(name, host, port, members, kubernetes, minMembers, value, secret);
    }

    /** The standing a member with these settings and {@code secret} keeps, by {@code clock}. */
    public Standing standing(Clock clock, ClusterSecret secret) {
        if (kubernetes != null) {
            return new Standing(minMembers, maxClockSkew, clock, List.of(), secret);
        }
        List<String> expected = new java.util.ArrayList<>(members);
        expected.add(host + ":" + port);   // itself, listed or not
        return new Standing(minMembers, maxClockSkew, clock, expected, secret);
    }

    /**
     * Applies these settings to {@code config} (which may already hold what the Vert.x cluster manager
     * needs), with {@code secret} (this member's, when {@link #secret()} is null) and the member's
     * {@code clock}, which decides expiry and grant windows for the approvals it holds.
     */
    public Config applyTo(Config config, ClusterSecret secret, Clock clock) {
        return applyTo(config, secret, clock, null);
    }

    /**
     * As {@link #applyTo(Config, ClusterSecret, Clock)}, with approval state written through to
     * {@code store} before each change is made in memory, and loaded from it, eagerly, when the
     * cluster first uses it ({@link dev.countersign.cluster.store.ApprovalMapStore}); null keeps it in
     * memory only (it then survives the loss of one member, not of all).
     */
    public Config applyTo(Config config, ClusterSecret secret, Clock clock, dev.countersign.cluster.store.ApprovalDatabase store) {
        if (secret == null) {
            throw new IllegalArgumentException("a cluster member needs the cluster secret");
        }
        config.setClusterName(secret.joinName(name));
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.logging.details.enabled", "false");   // the join name stays out of log lines
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // One socket on the configured address only, never the wildcard address.
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.socket.server.bind.any", "false");
        config.setProperty("hazelcast.socket.client.bind.any", "false");
        // A silent split (no connection closed, no heartbeat) is noticed within this window; see Standing.
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(SPLIT_NOTICED_WITHIN_SECONDS));
        // Members only: an advanced network with a member endpoint and no client endpoint refuses clients.
        AdvancedNetworkConfig network = config.getAdvancedNetworkConfig().setEnabled(true);
        ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
        member.setPort(port).setPortAutoIncrement(false);
        member.setPublicAddress(null);
        member.getInterfaces().clear();
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (kubernetes != null) {
            join.getTcpIpConfig().setEnabled(false);
            join.getKubernetesConfig().setEnabled(true).setProperty("service-name", kubernetes.serviceName());
            if (kubernetes.namespace() != null) {
                join.getKubernetesConfig().setProperty("namespace", kubernetes.namespace());
            }
            member.getInterfaces().setEnabled(false);
        } else {
            member.getInterfaces().setEnabled(true).addInterface(host);
            join.getTcpIpConfig().setEnabled(true).setMembers(members.isEmpty() ? List.of(host + ":" + port) : members);
        }
        network.setMemberEndpointConfig(member);
        config.getSerializationConfig().setJavaSerializationFilterConfig(SerializationFilter.config());
        MemberContext context = new MemberContext(new ApprovalSeal(secret), clock, standing(clock, secret), new Freshness(),
                new Tampering());
        config.getUserContext().put(MemberContext.KEY, context);
        config.addListenerConfig(new com.hazelcast.config.ListenerConfig(new ProofOnStart()));
        // Approval state survives the loss of any one member.
        // Kept as objects, not serialised bytes: an approval is immutable (every transition stores a new
        // value), so the member holds one copy of it instead of its bytes plus the deserialised value its
        // indexes' query entries cache, and queries (the per-client pending count) read it without
        // deserialising. Values still travel serialised (backups, reads, migrations), through the filter.
        MapConfig approvals = new MapConfig(HazelcastApprovalStore.APPROVALS).setBackupCount(1).setReadBackupData(false)
                .setInMemoryFormat(com.hazelcast.config.InMemoryFormat.OBJECT);
        approvals.addIndexConfig(new IndexConfig(IndexType.HASH, "status"));
        approvals.addIndexConfig(new IndexConfig(IndexType.SORTED, "expiresAt"));
        approvals.addIndexConfig(new IndexConfig(IndexType.HASH, HazelcastApprovalStore.CLIENT));
        MapConfig asks = new MapConfig(HazelcastApprovalStore.ASKS).setBackupCount(1).setTimeToLiveSeconds(7 * 24 * 3600);
        approvals.addIndexConfig(new IndexConfig(IndexType.SORTED, "log.dueAt"));
        approvals.addIndexConfig(new IndexConfig(IndexType.SORTED, "log.remindAt"));
        if (store != null) {
            approvals.setMapStoreConfig(writtenThrough(new dev.countersign.cluster.store.ApprovalMapStore(store, context.freshness())));
            asks.setMapStoreConfig(writtenThrough(new dev.countersign.cluster.store.AskMapStore(store)));
        }
        config.addMapConfig(approvals);
        config.addMapConfig(asks);
        return config;
    }
}
