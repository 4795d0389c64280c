package dev.countersign.pdp.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The slots against a plain model (a hash map of ids and a sorted map of expiry order) under random
 * adds, removals from anywhere and takes of the first to expire, in and out of expiry order: every id
 * is found exactly when the model holds it, with its record, and the first to expire is the model's.
 */
class RecordSlotsTest {
    record Held(long expiresAt, long seq) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            return expiresAt != o.expiresAt ? Long.compare(expiresAt, o.expiresAt) : Long.compare(seq, o.seq);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 2026})
    void agreesWithAPlainModel(long seed) {
        Random random = new Random(seed);
        RecordSlots slots = new RecordSlots();
        Map<String, Held> model = new HashMap<>();
        TreeMap<Held, String> order = new TreeMap<>();
        List<String> ids = new ArrayList<>();
        long seq = 0;
        long clock = 1_000;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 6 || model.isEmpty()) {
                String id = "01J" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
                if (model.containsKey(id)) {
                    continue;
                }
                clock += random.nextInt(3);
                long expires = random.nextInt(5) == 0 ? clock - random.nextInt(500) : clock + 1000;   // some out of order
                Held h = new Held(expires, seq);
                slots.add(id, expires, seq++, ("{\"decision_id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
                        random.nextBoolean() ? null : "node-b");
                model.put(id, h);
                order.put(h, id);
                ids.add(id);
            } else if (op < 8) {
                String id = ids.get(random.nextInt(ids.size()));
                Held h = model.remove(id);
                if (h != null) {
                    slots.remove(slots.find(id));
                    order.remove(h);
                }
            } else {
                int first = slots.first();
                String expected = order.firstEntry().getValue();
                assertEquals(expected, slots.decisionId(first), "the first to expire, step " + step);
                slots.remove(first);
                order.remove(model.remove(expected));
            }
            assertEquals(model.size(), slots.size());
            if (step % 1000 == 0) {
                for (String id : ids) {
                    int s = slots.find(id);
                    assertEquals(model.containsKey(id), s >= 0, id + " at step " + step);
                    if (s >= 0) {
                        assertEquals("{\"decision_id\":\"" + id + "\"}", new String(slots.jsonCopy(s), StandardCharsets.UTF_8));
                        assertEquals(model.get(id).expiresAt(), slots.expiresAt(s));
                    }
                }
            }
        }
    }
}
