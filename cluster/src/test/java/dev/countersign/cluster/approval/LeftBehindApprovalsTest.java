package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import dev.countersign.cluster.MemberContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Entries put straight into the approvals map by something without the cluster secret (what an
 * intruder leaves behind) are left out where they are held, on every member, before a listing sorts
 * or pages: no read fails on them, none takes a place in a page, and each is counted as tampered by
 * the member holding it.
 */
class LeftBehindApprovalsTest extends ThreeMembers {

    @Test
    void listingsCountsAndSweepsLeaveOutWhatNoMemberSealed() throws Exception {
        IMap<String, PendingApproval> map = members[0].getMap(HazelcastApprovalStore.APPROVALS);
        List<String> real = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            PendingApproval a = approval(Duration.ofMinutes(1), 1, "ctx-left-" + i, List.of());
            await(stores[i % MEMBERS].create(a, a.contextHash()));
            real.add(a.id());
        }
        long pendingBefore = stores[0].pendingCount();
        long tamperedBefore = tampered();

        // Held by each member in turn: no creation time; unsealed and "created" far in the future (so,
        // were it sorted, first in every page); a sealed approval under another approval's key.
        Set<String> poison = new HashSet<>();
        PendingApproval sealed = MemberContext.of(members[0]).seal().seal(approval(1).createdAt(CLOCK.instant()));
        for (int m = 0; m < MEMBERS; m++) {
            String noTime = ownedBy(members[m], 1).id();
            map.put(noTime, forged(noTime, null));
            String future = ownedBy(members[m], 1).id();
            map.put(future, forged(future, CLOCK.instant().plus(Duration.ofDays(365))));
            String elsewhere = ownedBy(members[m], 1).id();
            map.put(elsewhere, sealed);
            poison.addAll(List.of(noTime, future, elsewhere));
        }

        for (int m = 0; m < MEMBERS; m++) {
            List<PendingApproval> page = await(stores[m].list(ApprovalStatus.PENDING, 5));
            assertEquals(5, page.size(), "a full page of sealed approvals: " + ids(page));
            assertTrue(real.containsAll(ids(page)), "only the sealed approvals: " + ids(page));
            List<PendingApproval> all = await(stores[m].list(null, 10_000));
            assertTrue(ids(all).containsAll(real));
            assertFalse(ids(all).stream().anyMatch(poison::contains), "nothing forged is listed: " + ids(all));
        }
        assertTrue(tampered() - tamperedBefore >= poison.size(), "each forged entry is counted by the member holding it");
        assertEquals(pendingBefore, stores[1].pendingCount(), "forged entries are not counted as pending");

        CLOCK.advance(Duration.ofMinutes(2));
        Set<String> expired = new HashSet<>();
        for (HazelcastApprovalStore s : stores) {
            s.expireOwnDue().forEach(a -> expired.add(a.id()));
        }
        assertTrue(expired.containsAll(real), "every member still sweeps its own due approvals: " + expired);
        assertFalse(expired.stream().anyMatch(poison::contains));
    }

    /** A pending approval as something without the secret writes it: unsealed, created at {@code createdAt}. */
    private static PendingApproval forged(String id, Instant createdAt) {
        return new PendingApproval(id, "dec", "x", createdAt, CLOCK.instant().plus(Duration.ofSeconds(30)),
                new Requester("a", null, "gateway", null), new Requirement(List.of("security"), Map.of("security", 1), Duration.ofHours(1)),
                true, "h", "{}", "{}", "rev", List.of(), ApprovalStatus.PENDING, List.of(), null, null, null, null, ApprovalLog.of(List.of("audit")), 0, null);
    }

    private static long tampered() {
        long sum = 0;
        for (HazelcastApprovalStore s : stores) {
            sum += s.tampered();
        }
        return sum;
    }

    private static List<String> ids(List<PendingApproval> approvals) {
        return approvals.stream().map(PendingApproval::id).toList();
    }
}
