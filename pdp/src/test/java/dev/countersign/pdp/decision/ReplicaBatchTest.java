package dev.countersign.pdp.decision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The replica batch wire format: what one member encodes another reads back; anything else is refused whole, naming the problem. */
class ReplicaBatchTest {
    static final byte[] JSON = "{\"decision_id\":\"01JABC\"}".getBytes(StandardCharsets.UTF_8);
    static final ReplicaBatch BATCH = new ReplicaBatch("3f2a-node.id:1", List.of(
            new ReplicaBatch.Replica("01JABC", 1_700_000_000_000L, JSON),
            new ReplicaBatch.Replica("01JABD", 1_700_000_000_001L, "{}".getBytes(StandardCharsets.UTF_8))));

    @Test
    void whatIsEncodedIsReadBack() throws Exception {
        ReplicaBatch read = ReplicaBatch.decode(BATCH.encode());
        assertEquals(BATCH.origin(), read.origin());
        assertEquals(2, read.records().size());
        assertEquals("01JABC", read.records().get(0).decisionId());
        assertEquals(1_700_000_000_000L, read.records().get(0).expiresAt());
        assertArrayEquals(JSON, read.records().get(0).json());
        assertEquals("01JABD", read.records().get(1).decisionId());
    }

    @Test
    void malformedBatchesAreRefused() {
        Buffer good = BATCH.encode();
        int firstRecord = 1 + 2 + BATCH.origin().length() + 4;
        Map<String, UnaryOperator<Buffer>> cases = Map.ofEntries(
                Map.entry("version", b -> b.copy().setByte(0, (byte) 2)),
                Map.entry("truncated", b -> b.getBuffer(0, b.length() - 1)),
                Map.entry("bytes after the last record", b -> b.copy().appendByte((byte) 0)),
                Map.entry("record count 0", b -> b.copy().setInt(firstRecord - 4, 0)),
                Map.entry("record count 1000000", b -> b.copy().setInt(firstRecord - 4, 1_000_000)),
                Map.entry("origin is 0 characters", b -> b.copy().setShort(1, (short) 0)),
                Map.entry("origin has byte 32", b -> b.copy().setByte(3, (byte) ' ')),
                Map.entry("decision id of record 0 has byte 0", b -> b.copy().setByte(firstRecord + 2, (byte) 0)),
                Map.entry("decision id of record 0 is 0 characters", b -> b.copy().setShort(firstRecord, (short) 0)),
                Map.entry("expiry -1 of record 0", b -> b.copy().setLong(firstRecord + 2 + 6, -1)),
                Map.entry("record 0 is -5 bytes", b -> b.copy().setInt(firstRecord + 2 + 6 + 8, -5)),
                Map.entry("record 0 at offset", b -> b.copy().setByte(firstRecord + 2 + 6 + 8 + 4, (byte) '[')));
        cases.forEach((problem, corrupt) -> {
            ReplicaBatch.MalformedBatch refused = assertThrows(ReplicaBatch.MalformedBatch.class, () -> ReplicaBatch.decode(corrupt.apply(good)),
                    problem);
            assertTrue(refused.getMessage().contains(problem), problem + " → " + refused.getMessage());
        });
        assertThrows(ReplicaBatch.MalformedBatch.class, () -> ReplicaBatch.decode(Buffer.buffer()));
        assertThrows(ReplicaBatch.MalformedBatch.class, () -> ReplicaBatch.decode(null));
    }
}
