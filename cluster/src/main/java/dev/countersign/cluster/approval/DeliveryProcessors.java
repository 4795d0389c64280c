package dev.countersign.cluster.approval;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.MemberContext;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The transitions of an approval's {@link ApprovalLog}: claiming its sinks' pending events for
 * delivery, settling a claimed delivery, and sending a due reminder. Signed and applied like every
 * other transition ({@link ApprovalProcessors.Transition}), at the holder's time, backups included.
 */
final class DeliveryProcessors {
    private DeliveryProcessors() {
    }

    /** The approval as stored after a claim (sealed), and the deliveries now claimed by the claimer. */
    record Claimed(PendingApproval approval, List<Delivery> deliveries) implements Serializable {
    }

    /**
     * Claims, for {@code node} and for {@code lease}, every sink of the approval that has events to
     * take and is neither claimed nor waiting to retry. Answers the claimed deliveries (none when
     * nothing is due) with the approval as stored.
     */
    static final class Claim extends ApprovalProcessors.Transition<Claimed> {
        private static final long serialVersionUID = 1L;
        private final String node;
        private final Duration lease;
        /**
         * The claimers of the entry's deliveries that are no longer in the cluster, as the primary saw
         * them when it applied the claim (carried to the backup with it, so both apply the same).
         */
        private HashSet<String> departed;

        /** @param node the claimer, {@code <node name>@<member uuid>} ({@link #claimer}) */
        Claim(String node, Duration lease) {
            this.node = node;
            this.lease = lease;
        }

        @Override
        String kind() {
            return "claim";
        }

        @Override
        Object[] params() {
            return new Object[] {node, lease};
        }

        @Override
        Claimed apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            if (departed == null) {
                departed = departed(current.log(), instance());
            }
            List<Delivery> due = current.log().claimable(now, departed);
            if (due.isEmpty()) {
                return new Claimed(current, List.of());
            }
            PendingApproval stored = ApprovalProcessors.stored(entry, member, current,
                    current.withLog(current.log().claimed(due, node, now.plus(lease), now, departed)));
            List<Delivery> claimed = due.stream().map(d -> stored.log().deliveries().get(d.sink())).toList();
            return new Claimed(stored, claimed);
        }
    }

    /** The claimer name of {@code node} on {@code member}: a claim is its member's, and lapses when that member leaves. */
    static String claimer(String node, UUID member) {
        return node + "@" + member;
    }

    /** The claimers of {@code log}'s deliveries whose member is not in {@code hazelcast}'s cluster now. */
    static HashSet<String> departed(ApprovalLog log, HazelcastInstance hazelcast) {
        HashSet<String> gone = new HashSet<>();
        if (hazelcast == null) {
            return gone;
        }
        Set<String> present = new HashSet<>();
        for (Member m : hazelcast.getCluster().getMembers()) {
            present.add(m.getUuid().toString());
        }
        for (Delivery d : log.deliveries().values()) {
            String by = d.claimedBy();
            int at = by == null ? -1 : by.lastIndexOf('@');
            if (at >= 0 && !present.contains(by.substring(at + 1))) {
                gone.add(by);
            }
        }
        return gone;
    }

    /** Settles {@code node}'s claimed delivery to {@code sink}; answers whether it held the claim. */
    static final class Settle extends ApprovalProcessors.Transition<Boolean> {
        private static final long serialVersionUID = 1L;
        private final String sink;
        private final String node;
        private final Settlement settlement;

        Settle(String sink, String node, Settlement settlement) {
            this.sink = sink;
            this.node = node;
            this.settlement = settlement;
        }

        @Override
        String kind() {
            return "settle";
        }

        @Override
        Object[] params() {
            Object[] own = settlement.params();
            Object[] all = new Object[own.length + 2];
            all[0] = sink;
            all[1] = node;
            System.arraycopy(own, 0, all, 2, own.length);
            return all;
        }

        @Override
        Boolean apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            Delivery d = current.log().deliveries().get(sink);
            if (d == null || !node.equals(d.claimedBy())) {
                return false;   // another member claimed it since: its settlement counts, not this one
            }
            ApprovalLog log = current.log();
            switch (settlement.kind()) {
                case DELIVERED -> {
                    long upTo = Math.min(settlement.upTo(), log.lastSeq());
                    boolean firstPost = settlement.posted() != null && d.posted() == null;
                    log = log.withDelivery(d.acked(upTo, settlement.posted()));
                    if (firstPost) {
                        Map<String, String> details = new LinkedHashMap<>();
                        details.put("destination", sink);
                        details.put("conversation", settlement.posted().conversation());
                        details.put("message", settlement.posted().messageId());
                        log = log.with(ApprovalEvent.POSTED, now, details);
                        Delivery posted = log.deliveries().get(sink);
                        if (posted.delivered() == log.lastSeq() - 1) {
                            // The event of its own post is no news to the destination; events since the claim still are.
                            log = log.withDelivery(posted.acked(log.lastSeq(), null));
                        }
                    }
                }
                case RETRY -> log = log.withDelivery(d.retryAt(settlement.retryAt(), settlement.error(), settlement.mayHaveArrived()));
                case FAILED -> {
                    log = log.withDelivery(d.failedWith(settlement.error()));
                    log = log.with(ApprovalEvent.DELIVERY_FAILED, now, Map.of("destination", sink, "error", String.valueOf(settlement.error())));
                }
                default -> throw new IllegalStateException(settlement.kind().name());
            }
            ApprovalProcessors.stored(entry, member, current, current.withLog(log));
            return true;
        }
    }

    /**
     * Sends the approval's reminder when one is due: records the {@value ApprovalEvent#REMINDER}
     * event, plans the next, and, at the first, adds {@code escalation} as sinks. Answers whether it
     * sent one; an approval past its expiry is expired instead.
     */
    static final class Remind extends ApprovalProcessors.Transition<Boolean> {
        private static final long serialVersionUID = 1L;
        private final List<String> escalation;

        Remind(List<String> escalation) {
            this.escalation = List.copyOf(escalation);
        }

        @Override
        String kind() {
            return "remind";
        }

        @Override
        Object[] params() {
            return new Object[] {escalation};
        }

        @Override
        Boolean apply(Map.Entry<String, PendingApproval> entry, PendingApproval current, Instant now, MemberContext member) {
            PendingApproval atNow = current.at(now);
            if (atNow != current) {
                ApprovalProcessors.stored(entry, member, current, atNow);
                return false;
            }
            if (current.status() != ApprovalStatus.PENDING || !current.log().reminderDue(now)) {
                return false;
            }
            ApprovalLog log = current.log();
            Map<String, String> details = new LinkedHashMap<>();
            details.put("status", current.status().wireName());
            details.put("number", Integer.toString(log.reminders() + 1));
            ApprovalLog reminded = log.reminded(now, details, log.reminders() == 0 ? escalation : List.of());
            ApprovalProcessors.stored(entry, member, current, current.withLog(reminded));
            return true;
        }
    }
}
