package dev.countersign.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.approval.ApprovalSeal;
import java.time.Clock;

/**
 * What a Countersign member brings to the code that runs on it — entry processors included, which
 * Hazelcast ships to whichever member holds an entry: the seal of approval state (from the cluster
 * secret, which itself never travels), the member's clock, its {@link Standing}, the newest
 * version of each approval it has seen ({@link Freshness}), and the count of shared state it refused
 * as tampered ({@link Tampering}). Kept in the member's user context; a member without it (not
 * started by Countersign) makes every transition fail closed.
 */
public record MemberContext(ApprovalSeal seal, Clock clock, Standing standing, Freshness freshness, Tampering tampering) {
    static final String KEY = "countersign.member";

    /** The context of {@code member}, or null when it has none or no member was injected. */
    public static MemberContext find(HazelcastInstance member) {
        Object found = member == null ? null : member.getUserContext().get(KEY);
        return found instanceof MemberContext context ? context : null;
    }

    /** The context of {@code member}; fails when it has none, or when no member was injected. */
    public static MemberContext of(HazelcastInstance member) {
        MemberContext context = find(member);
        if (context == null) {
            throw new StandingException("foreign_member", "the Hazelcast member " + (member == null ? "" : member.getCluster().getLocalMember().getAddress() + " ")
                    + "was not started by Countersign (it holds no cluster secret), so it applies no approval transition; remove it from the"
                    + " cluster network");
        }
        return context;
    }
}
