package dev.countersign.pdp.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.config.Rate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The token bucket, on a clock the test moves (nanoseconds, as {@link System#nanoTime} counts them). */
class RateLimitTest {
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 5_000L * SECOND;

    @Test
    void aFullBucketAdmitsItsBurstAtOnceThenSaysHowLongToWait() {
        RateLimit limit = new RateLimit(new Rate(10, 4), T0);
        for (int i = 0; i < 4; i++) {
            assertEquals(0, limit.acquire(T0), "request " + i + " of the burst");
        }
        assertEquals(SECOND / 10, limit.acquire(T0), "the next token comes after a tenth of a second");
        assertEquals(SECOND / 10 - 1000, limit.acquire(T0 + 1000), "a refused request takes no token");
    }

    @Test
    void tokensComeBackAtTheRateAndNeverBeyondTheBurst() {
        RateLimit limit = new RateLimit(new Rate(10, 4), T0);
        for (int i = 0; i < 4; i++) {
            limit.acquire(T0);
        }
        long later = T0 + SECOND / 10;
        assertEquals(0, limit.acquire(later), "one token after a tenth of a second");
        assertTrue(limit.acquire(later) > 0, "and only one");

        long idle = later + 60 * SECOND;
        int admitted = 0;
        while (limit.acquire(idle) == 0) {
            admitted++;
        }
        assertEquals(4, admitted, "a minute of quiet refills the bucket, no more");
    }

    @Test
    void overTimeTheRateIsKept() {
        RateLimit limit = new RateLimit(new Rate(3, 1), T0);
        int admitted = 0;
        for (long now = T0; now < T0 + 10 * SECOND; now += SECOND / 1000) {
            if (limit.acquire(now) == 0) {
                admitted++;
            }
        }
        assertEquals(30, admitted, "3 a second for 10 seconds");
    }

    @Test
    void threadsRacingForTheLastTokensGetNoMoreThanTheBurst() throws Exception {
        RateLimit limit = new RateLimit(new Rate(1, 1000), T0);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 10_000; i++) {
                    if (limit.acquire(T0) == 0) {
                        admitted.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(1000, admitted.get());
    }

    @Test
    void retryAfterIsWholeSecondsAtLeastOne() {
        assertEquals(1, RateLimit.retryAfterSeconds(1));
        assertEquals(1, RateLimit.retryAfterSeconds(SECOND));
        assertEquals(2, RateLimit.retryAfterSeconds(SECOND + 1));
        assertEquals(60, RateLimit.retryAfterSeconds(60 * SECOND));
    }
}
