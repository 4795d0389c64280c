package dev.countersign.pdp.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.MovableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One bound for a node's own records and the replicas it holds: max_records and the retention, the first to expire going first. */
class LocalDecisionRecordsTest {
    final MovableClock clock = new MovableClock();
    final LocalDecisionRecords records = new LocalDecisionRecords(Duration.ofMinutes(10), 4, clock);

    static byte[] json(String id, String caller) {
        return ("{\"type\":\"decision\",\"decision_id\":\"" + id + "\",\"caller\":\"" + caller + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    ReplicaBatch.Replica replica(String id, Duration expiresIn) {
        return new ReplicaBatch.Replica(id, clock.millis() + expiresIn.toMillis(), json(id, "gateway"));
    }

    Map<String, Object> read(String id) {
        return records.get(id).toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void replicasCountAgainstMaxRecordsAndTheFirstToExpireGoFirst() {
        records.put("OWN1", Map.of("decision_id", "OWN1"));
        records.compact("OWN1", json("OWN1", "gateway"));
        // replicas shipped by another member: two expire before this node's own record, two after
        records.keepReplicas("node-b", List.of(replica("R1", Duration.ofMinutes(1)), replica("R2", Duration.ofMinutes(2)),
                replica("R3", Duration.ofMinutes(11)), replica("R4", Duration.ofMinutes(12))));
        assertEquals(4, records.size(), "own and replicas together are held to max_records");
        assertFalse(records.holds("R1"), "the first to expire went first");
        assertTrue(records.holds("OWN1"));
        assertTrue(records.holds("R2"));
        assertEquals(3, records.replicas());
        records.put("OWN2", Map.of("decision_id", "OWN2"));
        assertFalse(records.holds("R2"), "an own record evicts a replica that expires before it");
        assertEquals(4, records.size());
        assertEquals("gateway", read("OWN1").get("caller"));
        assertEquals("R4", read("R4").get("decision_id"));
    }

    @Test
    void aReplicaIsForgottenWhenItsRetentionIsOverAndNeverKeptLongerThanThisNodesRetention() {
        records.keepReplicas("node-b", List.of(replica("SHORT", Duration.ofSeconds(30)), replica("LONG", Duration.ofHours(5)),
                replica("GONE", Duration.ofMillis(-1))));
        assertFalse(records.holds("GONE"), "an expired replica is not kept");
        assertEquals(2, records.size());
        clock.advance(Duration.ofSeconds(31));
        assertNull(read("SHORT"), "past its retention a replica is not served");
        records.sweep();
        assertEquals(1, records.size(), "and it is forgotten");
        clock.advance(Duration.ofMinutes(10));
        records.sweep();
        assertFalse(records.holds("LONG"), "a replica lives at most this node's retention from its arrival, whatever the sender said");
        assertEquals(0, records.size());
        assertEquals(0, records.replicas());
    }

    @Test
    void ownRecordsExpireWithTheRetention() {
        records.put("OWN", Map.of("decision_id", "OWN"));
        clock.advance(Duration.ofMinutes(10));
        assertNull(read("OWN"));
        records.sweep();
        assertEquals(0, records.size());
    }

    @Test
    void replicasOfADepartedMemberBecomeThisNodesOwnAndOnlyOwnSerialisedRecordsAreShippedToANewBackup() {
        records.put("MINE", Map.of("decision_id", "MINE"));   // not yet serialised by the audit log
        records.put("MINE2", Map.of("decision_id", "MINE2"));
        assertEquals(10L * 60_000, records.compacted("MINE2", json("MINE2", "gateway")) - clock.millis(), 1_000.0);
        records.keepReplicas("node-b", List.of(replica("B1", Duration.ofMinutes(5))));
        records.keepReplicas("node-c", List.of(replica("C1", Duration.ofMinutes(5))));
        assertEquals(List.of("MINE2"), records.own().stream().map(ReplicaBatch.Replica::decisionId).toList());
        assertEquals(-1, records.compacted("C1", json("C1", "x")), "a replica is not this node's to replicate");
        List<ReplicaBatch.Replica> adopted = records.adopt(Set.of("node-b"));
        assertEquals(List.of("B1"), adopted.stream().map(ReplicaBatch.Replica::decisionId).toList());
        assertEquals(1, records.replicas());
        assertEquals(Set.of("MINE2", "B1"), Set.copyOf(records.own().stream().map(ReplicaBatch.Replica::decisionId).toList()));
        records.keepReplicas("node-c", List.of(replica("B1", Duration.ofMinutes(5))));
        assertEquals(1, records.replicas(), "a record held as its own stays its own when shipped again");
    }

    @Test
    void aReplicaThatIsNotTheRecordOfItsIdIsForgottenNotServed() {
        records.keepReplicas("node-b", List.of(new ReplicaBatch.Replica("ID1", clock.millis() + 60_000, json("OTHER", "gateway")),
                new ReplicaBatch.Replica("ID2", clock.millis() + 60_000, "{not json}".getBytes(StandardCharsets.UTF_8))));
        assertNull(read("ID1"));
        assertNull(read("ID2"));
        assertEquals(0, records.size());
        assertEquals(2, records.malformed());
    }

    @Test
    void recordsAcrossManyArenaChunksAndOneLargerThanAChunksShareReadBackExactly() {
        LocalDecisionRecords many = new LocalDecisionRecords(Duration.ofMinutes(10), 10_000, clock);
        String padding = "x".repeat(900);
        int n = 3 * RecordArena.CHUNK_BYTES / 900;   // about three chunks' worth
        for (int i = 0; i < n; i++) {
            String id = "ID" + i;
            many.put(id, Map.of("decision_id", id));
            many.compact(id, json(id, padding + i));
        }
        String big = "y".repeat(RecordArena.CHUNK_BYTES / 2);
        many.put("BIG", Map.of("decision_id", "BIG"));
        many.compact("BIG", json("BIG", big));
        many.keepReplicas("node-b", List.of(replica("R", Duration.ofMinutes(1))));
        for (int i = 0; i < n; i += 97) {
            Map<String, Object> read = many.get("ID" + i).toCompletionStage().toCompletableFuture().join();
            assertEquals(padding + i, read.get("caller"), "record " + i);
        }
        assertEquals(padding + (n - 1), many.get("ID" + (n - 1)).toCompletionStage().toCompletableFuture().join().get("caller"));
        assertEquals(big, many.get("BIG").toCompletionStage().toCompletableFuture().join().get("caller"));
        assertEquals("R", many.get("R").toCompletionStage().toCompletableFuture().join().get("decision_id"));
        assertEquals(n + 1, many.own().size(), "every own record is shipped whole to a new backup");
        for (ReplicaBatch.Replica own : many.own()) {
            if (own.decisionId().equals("ID5")) {
                assertEquals(new String(json("ID5", padding + 5), StandardCharsets.UTF_8), new String(own.json(), StandardCharsets.UTF_8));
            }
        }
    }
}
