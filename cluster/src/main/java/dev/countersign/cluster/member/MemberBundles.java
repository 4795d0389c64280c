package dev.countersign.cluster.member;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.io.Serializable;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The bundle revision each member decides with, replicated to every member (eventually consistent),
 * so an operator can see whether the nodes agree. A member's entry goes when it leaves or dies.
 */
public final class MemberBundles {
    public static final String MAP = "countersign.member-bundles";

    /** What one member decides with: its node name, the revision and when it was activated. */
    public record MemberBundle(String node, String revision, Instant activatedAt) implements Serializable {
    }

    private final HazelcastInstance hazelcast;
    private final ReplicatedMap<UUID, MemberBundle> bundles;

    public MemberBundles(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.bundles = hazelcast.getReplicatedMap(MAP);
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // a joining member publishes its own revision
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                bundles.remove(event.getMember().getUuid());
            }
        });
    }

    /** Publishes this member's active revision. */
    public void publish(String node, String revision, Instant activatedAt) {
        bundles.put(hazelcast.getCluster().getLocalMember().getUuid(), new MemberBundle(node, revision, activatedAt));
    }

    /** Every member's revision, by node name. */
    public List<MemberBundle> all() {
        return bundles.values().stream().sorted(Comparator.comparing(MemberBundle::node)).toList();
    }
}
