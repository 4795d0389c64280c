package dev.countersign.cluster.member;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.countersign.cluster.MemberContext;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle revision each member decides with, replicated to every member (eventually consistent),
 * so an operator can see whether the nodes agree. A member's entry goes when it leaves or dies.
 * Entries are not sealed, and anything on the cluster network that knows the join name can write
 * them, so a reader never fails on them: it lists only entries of members in the cluster now, and of
 * those only whole ones, refusing a malformed one as tampered (logged, and counted in the member's
 * {@link dev.countersign.cluster.Tampering}).
 */
public final class MemberBundles {
    public static final String MAP = "countersign.member-bundles";
    private static final Logger LOG = LoggerFactory.getLogger(MemberBundles.class);

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

    /**
     * The revision of every member in the cluster now that published a whole entry, by node name;
     * never throws on what another wrote. An entry of no current member (one left behind, or put by
     * something else) is left out; a malformed entry is left out as tampered.
     */
    public List<MemberBundle> all() {
        Set<UUID> members = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            members.add(m.getUuid());
        }
        List<MemberBundle> found = new ArrayList<>();
        for (Map.Entry<?, ?> e : ((ReplicatedMap<?, ?>) bundles).entrySet()) {
            if (!members.contains(e.getKey())) {
                continue;
            }
            if (e.getValue() instanceof MemberBundle b && b.node() != null && b.revision() != null && b.activatedAt() != null) {
                found.add(b);
            } else {
                MemberContext context = MemberContext.find(hazelcast);
                if (context != null) {
                    context.tampering().count();
                }
                LOG.error("the member-bundle entry of member {} is not one Countersign writes: it was put outside Countersign, so it is"
                        + " left out and reported", e.getKey());
            }
        }
        found.sort(Comparator.comparing(MemberBundle::node));
        return List.copyOf(found);
    }
}
