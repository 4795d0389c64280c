package dev.countersign.rules.engine;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Decision identifiers: ULIDs (26 Crockford base-32 characters: 48 bits of milliseconds, 80 random
 * bits), so they sort by time and never collide in practice. The random part comes from a
 * cryptographically secure generator (a DRBG per thread, read in blocks), so ids seen by one client
 * say nothing about the ids of anyone else's decisions or approvals.
 */
public final class DecisionIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final int RANDOM_BYTES = 10;
    private static final int BLOCK = RANDOM_BYTES * 409;   // 4 KiB a draw: the generator costs per call as much as per byte
    private static final ThreadLocal<RandomBlock> RANDOM = ThreadLocal.withInitial(RandomBlock::new);

    private DecisionIds() {
    }

    public static String next() {
        return next(System.currentTimeMillis());
    }

    static String next(long millis) {
        byte[] random = new byte[RANDOM_BYTES];
        RANDOM.get().fill(random);
        char[] out = new char[26];
        // 48-bit time in the first 10 characters (50 bits, top 2 zero)
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        // 80 random bits in the last 16 characters, 5 at a time
        long high = ((random[0] & 0xFFL) << 8) | (random[1] & 0xFFL);   // 16 bits
        long low = 0;                                                     // 64 bits
        for (int i = 2; i < RANDOM_BYTES; i++) {
            low = (low << 8) | (random[i] & 0xFFL);
        }
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | ((high & 31) << 59);
            high >>>= 5;
        }
        return new String(out);
    }

    /** Secure random bytes, drawn from this thread's generator a block at a time. */
    private static final class RandomBlock {
        private final SecureRandom generator;
        private final byte[] block = new byte[BLOCK];
        private int used = BLOCK;

        RandomBlock() {
            SecureRandom g;
            try {
                g = SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException e) {
                g = new SecureRandom();
            }
            this.generator = g;
        }

        void fill(byte[] out) {
            if (used + out.length > BLOCK) {
                generator.nextBytes(block);
                used = 0;
            }
            System.arraycopy(block, used, out, 0, out.length);
            used += out.length;
        }
    }
}
