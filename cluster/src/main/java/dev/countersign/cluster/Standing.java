package dev.countersign.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a member stands well enough in its cluster to touch shared approval state:
 * <ul>
 *   <li>it sees at least {@code minMembers} members, so at most one side of a network split approves
 *       ({@link ClusterMinorityException});</li>
 *   <li>its clock agrees with the cluster's — the oldest member's, as Hazelcast keeps it — within
 *       {@code maxClockSkew}, since expiry, grant windows and vote order are read from the clock of the
 *       member holding each approval ({@code clock_skew});</li>
 *   <li>every member it sees is one it was told of ({@code cluster.members}), when it was told of a
 *       list: Hazelcast's open-source edition admits any member that knows the join name, so a member
 *       that is not listed makes the others refuse approvals until it is gone ({@code unexpected_member});</li>
 *   <li>every member it sees has shown that it holds the cluster secret ({@link MemberProofs},
 *       {@code unproven_member}): a member's address can be claimed, its proof cannot.</li>
 * </ul>
 * Checked by the node taking a request and again by the member applying each transition.
 */
public final class Standing {
    private final int minMembers;
    private final Duration maxClockSkew;
    private final Clock clock;
    private final Set<InetSocketAddress> expected = new HashSet<>();
    private final List<String> members;
    private final MemberProofs proofs;

    /** {@code members}: the configured {@code host:port} list (empty: any member the join admits). */
    public Standing(int minMembers, Duration maxClockSkew, Clock clock, List<String> members, ClusterSecret secret) {
        this(minMembers, maxClockSkew, clock, members, new MemberProofs(secret));
    }

    private Standing(int minMembers, Duration maxClockSkew, Clock clock, List<String> members, MemberProofs proofs) {
        this.minMembers = minMembers;
        this.maxClockSkew = maxClockSkew;
        this.clock = clock;
        this.members = List.copyOf(members);
        this.proofs = proofs;
        for (String m : members) {
            int colon = m.lastIndexOf(':');
            String host = m.substring(0, colon);
            int port = Integer.parseInt(m.substring(colon + 1));
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    expected.add(new InetSocketAddress(a, port));
                }
            } catch (UnknownHostException e) {
                expected.add(InetSocketAddress.createUnresolved(host, port));
            }
        }
    }

    /** The same standing with another minimum (for a test that needs a member to stand otherwise). */
    public Standing withMinMembers(int value) {
        return new Standing(value, maxClockSkew, clock, members, proofs);
    }

    public int minMembers() {
        return minMembers;
    }

    public Duration maxClockSkew() {
        return maxClockSkew;
    }

    /**
     * From now on, sends {@code member}'s proof to all again whenever a member joins, and removes the proof
     * of every member that leaves (a returning id proves itself again).
     */
    public void keepProofsCurrent(HazelcastInstance member) {
        proofs.keepCurrent(member);
    }

    /** Whether every member {@code member} sees has shown that it holds the cluster secret (publishing its own proof first). */
    public boolean proven(HazelcastInstance member) {
        return proofs.unproven(member) == null;
    }

    /** This member's clock minus the cluster's, in milliseconds. */
    public long clockSkewMillis(HazelcastInstance member) {
        return clock.millis() - member.getCluster().getClusterTime();
    }

    /** What keeps {@code member} from touching approvals, or null when nothing does; {@code holder} names it as the entry's holder. */
    public StandingException problem(HazelcastInstance member, boolean holder) {
        String who = holder ? "the member holding this approval (" + member.getCluster().getLocalMember().getAddress() + ")" : "this node";
        Set<Member> members = member.getCluster().getMembers();
        if (minMembers > 1 && members.size() < minMembers) {
            return new ClusterMinorityException(who, members.size(), minMembers);
        }
        long skew = clockSkewMillis(member);
        if (Math.abs(skew) > maxClockSkew.toMillis()) {
            return new StandingException("clock_skew", who + "'s clock is " + Math.abs(skew) + " ms " + (skew > 0 ? "ahead of" : "behind")
                    + " the cluster's, more than cluster.max_clock_skew (" + maxClockSkew + ") allows; it changes no approval until"
                    + " its clock is corrected (NTP)");
        }
        if (!expected.isEmpty()) {
            for (Member m : members) {
                if (!isExpected(m.getAddress())) {
                    return new StandingException("unexpected_member", who + " sees the member " + m.getAddress()
                            + ", which is not in cluster.members; approvals are refused until it leaves or is listed");
                }
            }
        }
        // Where an entry is held (a partition thread, which may not wait on other members) the proofs are
        // not read: what an unproven member submits there is refused for want of a signature instead.
        Member unproven = holder ? null : proofs.unproven(member);
        if (unproven != null) {
            return new StandingException("unproven_member", who + " sees the member " + unproven.getAddress()
                    + ", which has not shown that it holds the cluster secret; approvals are refused until it does or leaves");
        }
        return null;
    }

    /** Fails with the {@link #problem} of {@code member}, if any. */
    public void require(HazelcastInstance member, boolean holder) {
        StandingException problem = problem(member, holder);
        if (problem != null) {
            throw problem;
        }
    }

    private boolean isExpected(Address address) {
        try {
            InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByName(address.getHost()), address.getPort());
            return expected.contains(resolved) || expected.contains(InetSocketAddress.createUnresolved(address.getHost(), address.getPort()));
        } catch (UnknownHostException e) {
            return expected.contains(InetSocketAddress.createUnresolved(address.getHost(), address.getPort()));
        }
    }
}
