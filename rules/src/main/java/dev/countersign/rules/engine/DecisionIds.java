package dev.countersign.rules.engine;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Decision identifiers: ULIDs (26 Crockford base-32 characters: 48 bits of milliseconds, 80 random
 * bits), so they sort by time and never collide in practice.
 */
public final class DecisionIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private DecisionIds() {
    }

    public static String next() {
        return next(System.currentTimeMillis());
    }

    static String next(long millis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & 0xFFFFL;  // 16 random bits
        long low = random.nextLong();             // 64 random bits
        char[] out = new char[26];
        // 48-bit time in the first 10 characters (50 bits, top 2 zero)
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        // 80 random bits in the last 16 characters
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | ((high & 31) << 59);
            high >>>= 5;
        }
        return new String(out);
    }
}
