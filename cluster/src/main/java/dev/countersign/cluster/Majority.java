package dev.countersign.cluster;

import com.hazelcast.core.HazelcastInstance;

/**
 * Whether this node sees enough of its cluster ({@link ClusterSettings#minMembers()}) to touch shared
 * approval state. Each side of a network split sees only its own members, so with a majority as the
 * minimum at most one side goes on approving, and the other refuses instead of deciding alone.
 */
public final class Majority {
    private final HazelcastInstance hazelcast;
    private final int minMembers;

    public Majority(HazelcastInstance hazelcast, int minMembers) {
        this.hazelcast = hazelcast;
        this.minMembers = minMembers;
    }

    /** No minimum: every node may always act (one member, or an operator's choice). */
    public static Majority none(HazelcastInstance hazelcast) {
        return new Majority(hazelcast, 1);
    }

    /** The members a node must see; 1 when there is no minimum. */
    public int minMembers() {
        return minMembers;
    }

    public boolean present() {
        return minMembers <= 1 || hazelcast.getCluster().getMembers().size() >= minMembers;
    }

    /** Fails with {@link ClusterMinorityException} unless {@link #present()}. */
    public void require() {
        require(hazelcast, minMembers, false);
    }

    /**
     * Fails with {@link ClusterMinorityException} when {@code member}, which holds the entry an
     * operation applies to, sees fewer than {@code minMembers} members.
     */
    public static void requireAt(HazelcastInstance member, int minMembers) {
        require(member, minMembers, true);
    }

    private static void require(HazelcastInstance member, int minMembers, boolean holder) {
        int members = member.getCluster().getMembers().size();
        if (minMembers > 1 && members < minMembers) {
            throw new ClusterMinorityException(holder ? "the member holding this approval (" + member.getCluster().getLocalMember().getAddress() + ")"
                    : "this node", members, minMembers);
        }
    }
}
