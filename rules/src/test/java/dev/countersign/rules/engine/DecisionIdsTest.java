package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Decision and approval ids cannot be predicted from ids a client has seen. The attack this guards
 * against: ids drawn from {@link ThreadLocalRandom} reveal its state (its output is an invertible mix
 * of a seed advanced by a constant plus twice the thread's id), so from two ids a client finds the
 * thread and computes the next id it hands out — someone else's decision or held approval. The test
 * runs that attack against the old construction, to show it works, and then against {@link DecisionIds}.
 */
class DecisionIdsTest {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    @Test
    void theNextIdCannotBeComputedFromTheOnesBefore() {
        int predictedOld = 0;
        for (int i = 0; i < 20; i++) {
            String first = oldNext(1_000L);
            String second = oldNext(1_000L);
            String third = oldNext(1_000L);
            predictedOld += third.substring(10).equals(predictAfter(first, second)) ? 1 : 0;
        }
        assertEquals(20, predictedOld, "the attack works against ThreadLocalRandom ids");
        int predicted = 0;
        for (int i = 0; i < 20; i++) {
            String first = DecisionIds.next(1_000L);
            String second = DecisionIds.next(1_000L);
            String third = DecisionIds.next(1_000L);
            predicted += third.substring(10).equals(predictAfter(first, second)) ? 1 : 0;
        }
        assertEquals(0, predicted, "no id of DecisionIds is predicted from the ones before it");
    }

    @Test
    void idsSortByTimeAndUseTheWholeAlphabet() {
        assertTrue(DecisionIds.next(1_000_000L).compareTo(DecisionIds.next(2_000_000L)) < 0);
        java.util.Set<Character> seen = new java.util.HashSet<>();
        for (int i = 0; i < 2000; i++) {
            for (char c : DecisionIds.next().substring(10).toCharArray()) {
                seen.add(c);
            }
        }
        assertEquals(32, seen.size(), "the random part spans all 32 characters");
    }

    /** Ids as they were made before: 16 and 64 bits of ThreadLocalRandom. */
    private static String oldNext(long millis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & 0xFFFFL;
        long low = random.nextLong();
        return encode(millis, high, low);
    }

    /**
     * The random part of the id ThreadLocalRandom would give after {@code first} and {@code second}
     * (consecutive on one thread): the seed behind {@code first}'s 64-bit part, and the thread whose
     * seed increment makes {@code second} from it; null when no thread does.
     */
    private static String predictAfter(String first, String second) {
        long seed = unmix64(randomBits(first)[1]);
        long[] next = randomBits(second);
        for (long thread = 0; thread < 100_000; thread++) {
            long step = GAMMA + (thread << 1);
            if ((mix64(seed + step) & 0xFFFFL) == next[0] && mix64(seed + 2 * step) == next[1]) {
                return encode(0, mix64(seed + 3 * step) & 0xFFFFL, mix64(seed + 4 * step)).substring(10);
            }
        }
        return null;
    }

    /** The 16 and 64 random bits of an id. */
    private static long[] randomBits(String id) {
        long low = 0;
        long high = 0;
        for (int i = 10; i < 26; i++) {
            long v = new String(ALPHABET).indexOf(id.charAt(i));
            high = (high << 5) | (low >>> 59);   // characters 10..25 hold the 80 bits, most significant first
            low = (low << 5) | v;
        }
        return new long[] {high & 0xFFFFL, low};
    }

    private static String encode(long millis, long high, long low) {
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | ((high & 31) << 59);
            high >>>= 5;
        }
        return new String(out);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static long unmix64(long z) {
        z = unshift33(z);
        z *= inverse(0xc4ceb9fe1a85ec53L);
        z = unshift33(z);
        z *= inverse(0xff51afd7ed558ccdL);
        return unshift33(z);
    }

    private static long unshift33(long z) {
        return z ^ (z >>> 33);   // 33 of 64 bits: one application undoes it
    }

    /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }
}
