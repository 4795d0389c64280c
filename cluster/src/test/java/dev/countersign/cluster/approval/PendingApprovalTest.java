package dev.countersign.cluster.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The approval state machine without a cluster. Its rules are data: each file under
 * {@code src/test/resources/transitions/} describes an approval and cases, each a sequence of steps
 * applied to a fresh copy of it, every step carrying the result as the store would keep it.
 *
 * <pre>
 * description: what the file shows
 * approval: {actor: a, on_behalf_of: b, client: gw, client_reviewer: c, groups: [g], quorum: {g: 1}, ttl: PT1H,
 *            context_sha256: ctx-1, callbacks: [url], distinct_reviewers: true}
 * reviewers: {carol@example.com: [g, h]}        # the directory: identity (any case) to groups
 * cases:
 *   - name: ...
 *     approval: {...}                            # optional: fields overriding the file's approval
 *     reviewers: {...}                           # optional: replaces the file's directory
 *     steps:
 *       - vote: {by: carol@example.com, choice: approve, at: PT1M, comment: c, node: n, channel: api}
 *         expect: {outcome: accepted, transition: approved, status: approved, decided_by: carol@example.com,
 *                  decided_at: PT1M, votes: 1, approvals: {g: 1}, counts_for: [g], unchanged: false,
 *                  reason_contains: "...", reason_not_contains: "..."}
 *       - redeem: {hash: ctx-1, by: dec_2, at: PT2M, client: gw, requires: {quorum: {g: 1}, ttl: PT1H}}
 *         expect: {granted: true, redeemed_by: dec_2, redeemed_at: PT2M}
 *       - expire: {at: PT1H}                     # as the sweep does it
 *         expect: {expired_now: true}
 *       - callback: https://example.com/hook     # the same ask adding a callback URL
 *       - create: {at: PT0S}                     # as the holding member stores it
 *         expect: {events: [created]}            # the types of the log's events, oldest first
 * </pre>
 * Whatever a case expects, every step is also checked for what always holds of the log: events
 * numbered from 1 without gaps, earlier events never rewritten, one event per counted vote, one
 * outcome event once final, one per use of the grant, a sink per callback URL.
 *
 * Times are offsets from the approval's creation at {@link #T0}; {@code transition: none} and
 * {@code null} values assert absence; {@code unchanged} asserts the step answered the very same value.
 */
class PendingApprovalTest {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Path CASES = Path.of("src/test/resources/transitions");
    private static final ObjectMapper YAML = new YAMLMapper();

    @TestFactory
    Stream<DynamicNode> transitions() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(CASES)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 7, "transition case files are missing");
        return files.stream().map(PendingApprovalTest::file);
    }

    @SuppressWarnings("unchecked")
    private static DynamicNode file(Path file) {
        Map<String, Object> spec;
        try {
            spec = YAML.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            return DynamicTest.dynamicTest(file.getFileName().toString(), () -> fail("unreadable case file: " + e));
        }
        Map<String, Object> approval = (Map<String, Object>) spec.get("approval");
        Map<String, List<String>> reviewers = (Map<String, List<String>>) spec.getOrDefault("reviewers", Map.of());
        List<DynamicNode> cases = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) spec.get("cases")) {
            Map<String, Object> a = new LinkedHashMap<>(approval);
            a.putAll((Map<String, Object>) c.getOrDefault("approval", Map.of()));
            Map<String, List<String>> directory = (Map<String, List<String>>) c.getOrDefault("reviewers", reviewers);
            cases.add(DynamicTest.dynamicTest(String.valueOf(c.get("name")),
                    () -> run(approval(a), directory, (List<Map<String, Object>>) c.get("steps"))));
        }
        return DynamicContainer.dynamicContainer(file.getFileName() + ": " + spec.getOrDefault("description", ""), cases);
    }

    @SuppressWarnings("unchecked")
    static PendingApproval approval(Map<String, Object> a) {
        Requirement requirement = new Requirement((List<String>) a.get("groups"), (Map<String, Integer>) a.getOrDefault("quorum", Map.of()),
                Duration.parse((String) a.get("ttl")));
        return PendingApproval.pending("apr_test", "dec_held", "node-a", T0,
                new Requester((String) a.get("actor"), (String) a.get("on_behalf_of"), (String) a.get("client"),
                        (String) a.get("client_reviewer")), requirement, (Boolean) a.getOrDefault("distinct_reviewers", true),
                (String) a.getOrDefault("context_sha256", "ctx-1"), "{}", "{}", "rev-1",
                (List<String>) a.getOrDefault("callbacks", List.of()));
    }

    @SuppressWarnings("unchecked")
    private static void run(PendingApproval start, Map<String, List<String>> directory, List<Map<String, Object>> steps) {
        PendingApproval current = start;
        int n = 0;
        for (Map<String, Object> step : steps) {
            n++;
            Map<String, Object> expect = (Map<String, Object>) step.getOrDefault("expect", Map.of());
            PendingApproval next;
            String where = "step " + n + " " + step;
            if (step.containsKey("vote")) {
                Map<String, Object> v = (Map<String, Object>) step.get("vote");
                String by = (String) v.get("by");
                VoteResult r = current.vote(new ReviewerVote(by, groupsOf(directory, by), Choice.fromWire((String) v.get("choice")),
                        (String) v.get("comment"), at(v.get("at")), (String) v.getOrDefault("node", "node-x"),
                        (String) v.getOrDefault("channel", "api")));
                next = r.approval();
                where += " -> " + r.outcome() + " " + r.transition() + " " + r.reason();
                if (expect.containsKey("outcome")) {
                    assertEquals(expect.get("outcome"), r.outcome().name().toLowerCase(Locale.ROOT), where);
                }
                assertEquals(r.outcome() == VoteResult.Outcome.ACCEPTED, r.counted(), where);
                checkTransition(expect, r.transition(), where);
                checkReason(expect, r.reason(), where);
                if (r.outcome() == VoteResult.Outcome.ACCEPTED) {
                    assertNull(r.reason(), where);
                    Vote last = next.votes().get(next.votes().size() - 1);
                    assertEquals(by, last.reviewer(), where);
                    assertEquals(at(v.get("at")), last.at(), where);
                    assertEquals(v.getOrDefault("node", "node-x"), last.node(), where);
                    assertEquals(v.getOrDefault("channel", "api"), last.channel(), where);
                    assertEquals(v.get("comment") == null ? "" : v.get("comment"), last.comment(), where);
                    if (expect.containsKey("counts_for")) {
                        assertEquals(expect.get("counts_for"), last.countsFor(), where);
                    }
                } else {
                    assertNotNull(r.reason(), "a vote that does not count says why: " + where);
                    assertEquals(current.votes(), next.votes(), "a vote that does not count is not recorded: " + where);
                }
            } else if (step.containsKey("redeem")) {
                Map<String, Object> v = (Map<String, Object>) step.get("redeem");
                Map<String, Object> requires = (Map<String, Object>) v.get("requires");
                Requirement required = requires == null ? null : new Requirement(
                        List.copyOf(((Map<String, Integer>) requires.get("quorum")).keySet()),
                        (Map<String, Integer>) requires.get("quorum"), Duration.parse((String) requires.get("ttl")));
                RedeemResult r = required == null && v.get("client") == null
                        ? current.redeem((String) v.get("hash"), (String) v.get("by"), at(v.get("at")))
                        : current.redeem((String) v.get("hash"), (String) v.get("by"), at(v.get("at")), required, (String) v.get("client"));
                next = r.approval();
                where += " -> " + r.granted() + " " + r.transition() + " " + r.reason();
                if (expect.containsKey("granted")) {
                    assertEquals(expect.get("granted"), r.granted(), where);
                }
                if (r.granted()) {
                    assertNull(r.reason(), where);
                    assertEquals(v.get("by"), next.redeemedBy(), where);
                    assertEquals(at(v.get("at")), next.redeemedAt(), where);
                } else {
                    assertNotNull(r.reason(), "a refused grant says why: " + where);
                }
                checkTransition(expect, r.transition(), where);
                checkReason(expect, r.reason(), where);
            } else if (step.containsKey("expire")) {
                Map<String, Object> v = (Map<String, Object>) step.get("expire");
                next = current.at(at(v.get("at")));
                if (expect.containsKey("expired_now")) {
                    assertEquals(expect.get("expired_now"), next != current, where);
                }
            } else if (step.containsKey("create")) {
                next = current.createdAt(at(((Map<String, Object>) step.get("create")).get("at")));
            } else if (step.containsKey("callback")) {
                next = current.withCallback((String) step.get("callback"));
            } else {
                throw new AssertionError("unknown step " + step);
            }
            checkApproval(expect, current, next, where);
            current = next;
        }
    }

    private static void checkTransition(Map<String, Object> expect, ApprovalStatus transition, String where) {
        if (expect.containsKey("transition")) {
            Object wanted = expect.get("transition");
            assertEquals("none".equals(wanted) ? null : wanted, transition == null ? null : transition.wireName(), where);
        }
    }

    private static void checkReason(Map<String, Object> expect, String reason, String where) {
        if (expect.containsKey("reason_contains")) {
            assertTrue(reason != null && reason.contains((String) expect.get("reason_contains")), where);
        }
        if (expect.containsKey("reason_not_contains")) {
            assertFalse(reason != null && reason.contains((String) expect.get("reason_not_contains")), where);
        }
    }

    private static void checkApproval(Map<String, Object> expect, PendingApproval before, PendingApproval a, String where) {
        if (expect.containsKey("unchanged")) {
            assertEquals(expect.get("unchanged"), a == before, "unchanged: " + where);
        }
        if (expect.containsKey("status")) {
            assertEquals(expect.get("status"), a.status().wireName(), where);
        }
        if (expect.containsKey("decided_by")) {
            assertEquals(expect.get("decided_by"), a.decidedBy(), where);
        }
        if (expect.containsKey("decided_at")) {
            assertEquals(expect.get("decided_at") == null ? null : at(expect.get("decided_at")), a.decidedAt(), where);
        }
        if (expect.containsKey("votes")) {
            assertEquals(expect.get("votes"), a.votes().size(), where);
        }
        if (expect.containsKey("approvals")) {
            assertEquals(expect.get("approvals"), a.approvals(), where);
        }
        if (expect.containsKey("redeemed_by")) {
            assertEquals(expect.get("redeemed_by"), a.redeemedBy(), where);
        }
        if (expect.containsKey("redeemed_at")) {
            assertEquals(at(expect.get("redeemed_at")), a.redeemedAt(), where);
        }
        if (expect.containsKey("callbacks")) {
            assertEquals(expect.get("callbacks"), a.callbacks(), where);
        }
        if (expect.containsKey("events")) {
            assertEquals(expect.get("events"), a.log().events().stream().map(ApprovalEvent::type).toList(), where);
        }
        checkEvents(before, a, where);
        assertEquals(a.status() != ApprovalStatus.PENDING, a.decidedAt() != null, "decided exactly when final: " + where);
        assertEquals(a.decidedAt() != null, a.decidedBy() != null, where);
        assertEquals(a.redeemedAt() != null, a.redeemedBy() != null, where);
        assertTrue(a.redeemedAt() == null || a.status() == ApprovalStatus.APPROVED, "only a grant is redeemed: " + where);
        // What never changes, whatever happens to an approval.
        assertEquals(before.id(), a.id(), where);
        assertEquals(before.expiresAt(), a.expiresAt(), where);
        assertEquals(before.contextHash(), a.contextHash(), where);
        assertEquals(before.requester(), a.requester(), where);
        assertEquals(before.requirement(), a.requirement(), where);
    }

    /** Every change is in the log exactly once, numbered without gaps, and nothing recorded is ever rewritten. */
    private static void checkEvents(PendingApproval before, PendingApproval a, String where) {
        List<ApprovalEvent> events = a.log().events();
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq(), "numbered from 1 without gaps: " + where);
        }
        assertEquals(before.log().events(), events.subList(0, Math.min(events.size(), before.log().events().size())),
                "earlier events are kept as they were: " + where);
        assertEquals(a.votes().size(), events.stream().filter(e -> e.type().equals(ApprovalEvent.VOTE)).count(), "one event per vote: " + where);
        assertEquals(a.status().isFinal() ? 1 : 0, events.stream().filter(ApprovalEvent::isOutcome).count(), "one outcome event: " + where);
        if (a.status().isFinal()) {
            ApprovalEvent outcome = events.stream().filter(ApprovalEvent::isOutcome).findFirst().orElseThrow();
            assertEquals(a.status().wireName(), outcome.type(), where);
            assertEquals(a.decidedAt(), outcome.at(), where);
            assertEquals(a.decidedBy(), outcome.details().get("decided_by"), where);
        }
        assertEquals(a.redeemedAt() != null ? 1 : 0, events.stream().filter(e -> e.type().equals(ApprovalEvent.REDEEMED)).count(), where);
        for (String url : a.callbacks()) {
            assertTrue(a.log().deliveries().containsKey(PendingApproval.callbackSink(url)), "each callback URL is a sink: " + where);
        }
    }

    private static Set<String> groupsOf(Map<String, List<String>> directory, String reviewer) {
        for (Map.Entry<String, List<String>> e : directory.entrySet()) {
            if (e.getKey().equalsIgnoreCase(reviewer)) {
                return Set.copyOf(e.getValue());
            }
        }
        return Set.of();
    }

    private static Instant at(Object offset) {
        return T0.plus(Duration.parse((String) offset));
    }

    // The parts that are not a sequence of transitions.

    static PendingApproval securityApproval() {
        return PendingApproval.pending("apr_test", "dec_held", "node-a", T0, new Requester("frank@example.com", null),
                new Requirement(List.of("security"), Map.of("security", 2), Duration.ofHours(1)), "ctx-1", "{\"a\":1}",
                "{\"verdict\":\"needs_approval\"}", "rev-1", List.of("https://hooks.example.com/a"));
    }

    static ReviewerVote vote(String reviewer, Choice choice, Duration after) {
        return new ReviewerVote(reviewer, Set.of("security"), choice, null, T0.plus(after), "node-b", "api");
    }

    @Test
    void aNewApprovalIsPendingUntilCreationPlusTtlWithoutVotes() {
        PendingApproval a = securityApproval();
        assertEquals(ApprovalStatus.PENDING, a.status());
        assertEquals(T0, a.createdAt());
        assertEquals(T0.plus(Duration.ofHours(1)), a.expiresAt());
        assertEquals("node-a", a.createdBy());
        assertEquals(List.of(), a.votes());
        assertEquals(Map.of("security", 0), a.approvals());
        assertNull(a.decidedAt());
        assertNull(a.redeemedAt());
    }

    @Test
    void transitionsReturnNewValuesAndLeaveTheOldOnesAlone() {
        PendingApproval a = securityApproval();
        VoteResult first = a.vote(vote("carol@example.com", Choice.APPROVE, Duration.ofMinutes(1)));
        assertNotSame(a, first.approval());
        assertEquals(0, a.votes().size(), "the original is untouched");
        VoteResult second = first.approval().vote(vote("dan@example.com", Choice.APPROVE, Duration.ofMinutes(2)));
        assertEquals(ApprovalStatus.APPROVED, second.approval().status());
        assertEquals(ApprovalStatus.PENDING, first.approval().status(), "the intermediate value is untouched");
        RedeemResult used = second.approval().redeem("ctx-1", "dec_2", T0.plus(Duration.ofMinutes(3)));
        assertTrue(used.granted());
        assertNull(second.approval().redeemedAt(), "the grant before use is untouched");
        assertThrows(UnsupportedOperationException.class, () -> used.approval().votes().add(null));
        assertThrows(UnsupportedOperationException.class, () -> used.approval().callbacks().add("x"));
    }

    @Test
    void valuesAreCopiedSoCallersCannotChangeThemAfterwards() {
        List<String> callbacks = new ArrayList<>(List.of("https://hooks.example.com/a"));
        List<String> groups = new ArrayList<>(List.of("security"));
        Map<String, Integer> quorum = new LinkedHashMap<>(Map.of("security", 1));
        PendingApproval a = PendingApproval.pending("apr_test", "dec", "node-a", T0, new Requester("frank", null),
                new Requirement(groups, quorum, Duration.ofHours(1)), "ctx", "{}", "{}", "rev", callbacks);
        callbacks.add("https://evil.example.com");
        groups.add("nobody");
        quorum.put("security", 5);
        assertEquals(List.of("https://hooks.example.com/a"), a.callbacks());
        assertEquals(List.of("security"), a.requirement().groups());
        assertEquals(1, a.requirement().quorum().get("security"));
        Set<String> reviewerGroups = new java.util.HashSet<>(Set.of("security"));
        ReviewerVote v = new ReviewerVote("carol", reviewerGroups, Choice.APPROVE, null, T0, "n", "api");
        reviewerGroups.clear();
        assertEquals(Set.of("security"), v.reviewerGroups());
        assertEquals("", v.comment(), "a missing comment is empty");
    }

    @Test
    void everyStateSurvivesJavaSerializationAsTheClusterStoresIt() throws Exception {
        PendingApproval a = securityApproval();
        PendingApproval voted = a.vote(vote("carol@example.com", Choice.APPROVE, Duration.ofMinutes(1))).approval();
        ReviewerVote dan = vote("dan@example.com", Choice.APPROVE, Duration.ofMinutes(2));
        VoteResult approved = voted.vote(dan);
        RedeemResult used = approved.approval().redeem("ctx-1", "dec_2", T0.plus(Duration.ofMinutes(3)));
        for (Object value : List.of(a, voted, approved, used, a.at(T0.plus(Duration.ofHours(2))))) {
            Object copy = roundTrip(value);
            assertEquals(value, copy);
        }
        PendingApproval copy = (PendingApproval) roundTrip(voted);
        VoteResult again = copy.vote(dan);
        assertEquals(approved, again, "a deserialized approval goes on exactly as the original");
    }

    @Test
    void wireNamesRoundTrip() {
        for (ApprovalStatus s : ApprovalStatus.values()) {
            assertEquals(s, ApprovalStatus.fromWire(s.wireName()));
            assertEquals(s != ApprovalStatus.PENDING, s.isFinal());
        }
        for (Choice c : Choice.values()) {
            assertEquals(c, Choice.fromWire(c.wireName()));
        }
        assertNull(Choice.fromWire("APPROVE"), "wire names are lowercase");
        assertNull(ApprovalStatus.fromWire("maybe"));
    }

    private static Object roundTrip(Object value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }

    @Test
    void theSameVoteAppliedTwiceToTheSameValueGivesTheSameResult() {
        // Entry processors run again on backup replicas: a transition must be a function of its inputs.
        PendingApproval a = securityApproval();
        ReviewerVote v = vote("carol@example.com", Choice.APPROVE, Duration.ofMinutes(1));
        assertEquals(a.vote(v), a.vote(v));
        Instant late = T0.plus(Duration.ofHours(2));
        assertEquals(a.at(late), a.at(late));
        PendingApproval approved = a.vote(v).approval().vote(vote("dan@example.com", Choice.APPROVE, Duration.ofMinutes(2))).approval();
        assertEquals(approved.redeem("ctx-1", "dec_2", late.minusSeconds(4800)), approved.redeem("ctx-1", "dec_2", late.minusSeconds(4800)));
        assertSame(approved, approved.at(late), "a decided approval never changes with time");
    }
}
