package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The delivered MACs a node remembers: each until its time has passed, never more than the capacity. */
class RecentMacsTest {

    @Test
    void aMacIsRefusedAgainUntilItsTimeHasPassed() {
        RecentMacs macs = new RecentMacs(10);
        assertTrue(macs.firstTime("a", 100, 0));
        assertFalse(macs.firstTime("a", 100, 50));
        assertFalse(macs.firstTime("a", 100, 100), "kept up to and including its time");
        assertTrue(macs.firstTime("a", 300, 101), "forgotten once its message is too old to pass the freshness check");
    }

    @Test
    void whatHasExpiredIsDroppedAndTheCapacityIsNeverExceeded() {
        RecentMacs macs = new RecentMacs(2);
        macs.firstTime("a", 10, 0);
        macs.firstTime("b", 20, 0);
        assertTrue(macs.firstTime("c", 30, 15));
        assertEquals(2, macs.size(), "a, expired, was dropped");
        assertTrue(macs.firstTime("d", 40, 16));
        assertEquals(2, macs.size(), "b, the oldest, was forgotten early to stay within the capacity");
        assertTrue(macs.firstTime("b", 40, 17));
        assertFalse(macs.firstTime("d", 40, 18));
    }
}
