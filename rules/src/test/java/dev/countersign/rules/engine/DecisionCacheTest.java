package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The decision cache's bounds: in entries, and in bytes as {@link EntrySize} counts them. */
class DecisionCacheTest {
    static ActionContext context(String name, int commandChars) {
        return new ActionContext(null, new Action(name, "x".repeat(commandChars), null, Map.of()), null, null, null, Map.of());
    }

    static Decision allow() {
        return new Decision("d", Verdict.ALLOW, List.of(new Reason("r", "p", Verdict.ALLOW, "ok", "p.drl:3")), null, "rev");
    }

    static long sizeOf(ActionContext c) {
        return EntrySize.of(c, "", new DecisionCache.Answer(Verdict.ALLOW, allow().reasons(), null));
    }

    @Test
    void entriesWithinTheByteBoundAreAllKeptAndFound() {
        long one = sizeOf(context("a.0", 1000));
        DecisionCache cache = new DecisionCache(new CacheBounds(1000, one * 10));
        for (int i = 0; i < 10; i++) {
            ActionContext c = context("a." + i, 1000);
            cache.keep(cache.key(c, ""), allow());
        }
        assertEquals(10, cache.entries());
        assertEquals(0, cache.restarts());
        for (int i = 0; i < 10; i++) {
            assertNotNull(cache.find(cache.key(context("a." + i, 1000), ""), "d2", "rev"), "entry " + i);
        }
        assertTrue(cache.bytes() <= one * 10, cache.bytes() + " bytes");
    }

    @Test
    void theEntryThatWouldPassTheByteBoundStartsTheCacheAgainAndTheCacheWorksOn() {
        long one = sizeOf(context("a.0", 1000));
        DecisionCache cache = new DecisionCache(new CacheBounds(1000, one * 10));
        for (int i = 0; i < 11; i++) {
            ActionContext c = context("a." + i, 1000);
            cache.keep(cache.key(c, ""), allow());
        }
        assertEquals(1, cache.restarts());
        assertEquals(1, cache.entries(), "the eleventh is kept in the new generation");
        assertNull(cache.find(cache.key(context("a.0", 1000), ""), "d2", "rev"));
        assertNotNull(cache.find(cache.key(context("a.10", 1000), ""), "d2", "rev"));
    }

    @Test
    void largerContextsCountForMoreBytes() {
        assertTrue(sizeOf(context("a", 100_000)) > 200_000, "two bytes a character at least");
        assertTrue(sizeOf(context("a", 100_000)) > sizeOf(context("a", 10)) + 199_000);
    }

    @Test
    void anEntryLargerThanTheBoundAloneIsNotKeptAndDropsNothing() {
        DecisionCache cache = new DecisionCache(new CacheBounds(1000, 20_000));
        ActionContext small = context("small", 10);
        cache.keep(cache.key(small, ""), allow());
        ActionContext huge = context("huge", 50_000);
        cache.keep(cache.key(huge, ""), allow());
        assertNull(cache.find(cache.key(huge, ""), "d2", "rev"));
        assertNotNull(cache.find(cache.key(small, ""), "d2", "rev"));
        assertEquals(1, cache.tooLarge());
        assertEquals(0, cache.restarts());
    }

    @Test
    void theEntryBoundStillApplies() {
        DecisionCache cache = new DecisionCache(new CacheBounds(5, Long.MAX_VALUE));
        for (int i = 0; i < 6; i++) {
            cache.keep(cache.key(context("a." + i, 1), ""), allow());
        }
        assertEquals(1, cache.restarts());
        assertEquals(1, cache.entries());
    }

    @Test
    void theByteBoundHoldsUnderConcurrentKeeping() throws Exception {
        long one = sizeOf(context("t.0.0000", 500));
        long bound = one * 50;
        DecisionCache cache = new DecisionCache(new CacheBounds(1_000_000, bound));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    long highest = 0;
                    for (int i = 0; i < 5000; i++) {
                        ActionContext c = context("t." + thread + "." + String.format("%04d", i), 500);
                        cache.keep(cache.key(c, ""), allow());
                        highest = Math.max(highest, cache.bytes());
                    }
                    return highest;
                }));
            }
            for (Future<Long> w : workers) {
                long highest = w.get();
                assertTrue(highest <= bound, highest + " > " + bound);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(cache.restarts() >= 20000 / 50 - 4, "restarts " + cache.restarts());
    }
}
