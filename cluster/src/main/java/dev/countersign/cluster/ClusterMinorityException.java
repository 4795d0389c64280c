package dev.countersign.cluster;

/**
 * This node sees fewer members than {@link ClusterSettings#minMembers()}: it may be cut off from the
 * rest of its cluster, so it neither reads nor changes shared approval state until it sees enough.
 */
public final class ClusterMinorityException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final int members;
    private final int minMembers;

    public ClusterMinorityException(int members, int minMembers) {
        super("this node sees " + members + " member" + (members == 1 ? "" : "s") + " of its cluster, fewer than the " + minMembers
                + " it needs (cluster.min_members) to read or change approvals");
        this.members = members;
        this.minMembers = minMembers;
    }

    public int members() {
        return members;
    }

    public int minMembers() {
        return minMembers;
    }
}
