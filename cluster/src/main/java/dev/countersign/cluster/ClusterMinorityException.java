package dev.countersign.cluster;

/**
 * A node, or the member that holds the approval asked about, sees fewer members than
 * {@link ClusterSettings#minMembers()}: it may be cut off from the rest of its cluster, so it neither
 * reads nor changes shared approval state until it sees enough.
 */
public final class ClusterMinorityException extends StandingException {
    private static final long serialVersionUID = 1L;
    private final int members;
    private final int minMembers;

    /** {@code who}: "this node", or which other member refused. */
    public ClusterMinorityException(String who, int members, int minMembers) {
        super("cluster_minority", who + " sees " + members + " member" + (members == 1 ? "" : "s") + " of its cluster, fewer than the "
                + minMembers + " it needs (cluster.min_members) to read or change approvals");
        this.members = members;
        this.minMembers = minMembers;
    }

    public ClusterMinorityException(int members, int minMembers) {
        this("this node", members, minMembers);
    }

    public int members() {
        return members;
    }

    public int minMembers() {
        return minMembers;
    }
}
