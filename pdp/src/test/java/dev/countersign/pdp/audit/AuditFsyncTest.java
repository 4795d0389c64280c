package dev.countersign.pdp.audit;

import static dev.countersign.pdp.audit.TestLogs.decision;
import static dev.countersign.pdp.audit.TestLogs.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit.fsync: per_batch}: {@link AuditLog#written} completes only once the records before it are
 * forced to the device; one force covers every record queued while the force before it ran; a failing
 * force fails the requests waiting on it, and the log recovers once forces succeed again.
 */
class AuditFsyncTest {
    @TempDir
    Path tmp;

    private static AuditLog.Options perBatch() {
        return new AuditLog.Options(1 << 20, Duration.ofMillis(50), 100_000, AuditLog.Fsync.PER_BATCH);
    }

    /** The system's force, which can be held at its first call or made to fail; counts the file sizes it forced. */
    static final class Device implements ChainWriter.Device {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean holdFirst = new AtomicBoolean();
        final AtomicBoolean failing = new AtomicBoolean();
        final List<Long> forcedSizes = new ArrayList<>();

        @Override
        public void force(FileChannel channel) throws IOException {
            if (holdFirst.compareAndSet(true, false)) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            if (failing.get()) {
                throw new IOException("Input/output error (the device failed)");
            }
            synchronized (forcedSizes) {
                forcedSizes.add(channel.size());
            }
            channel.force(false);
        }
    }

    @Test
    void writtenCompletesOnceTheRecordIsForcedAndItIsInTheFileThen() throws Exception {
        Device device = new Device();
        try (AuditLog log = AuditLog.open(tmp, perBatch(), device)) {
            assertTrue(log.forcesEachBatch());
            for (int i = 1; i <= 5; i++) {
                log.append(decision(i));
                log.written().toCompletableFuture().get(10, TimeUnit.SECONDS);
                long size = Files.size(file(tmp, 1));
                String text = Files.readString(file(tmp, 1));
                assertTrue(text.contains("\"decision_id\":\"d-" + i + "\""), "record " + i + " is in the file when written completes");
                synchronized (device.forcedSizes) {
                    assertTrue(device.forcedSizes.contains(size), "the file was forced at its size " + size + ": " + device.forcedSizes);
                }
            }
            assertTrue(log.status().forces() >= 5, log.status().toString());
        }
    }

    @Test
    void oneForceCoversEveryRecordQueuedWhileTheForceBeforeItRan() throws Exception {
        Device device = new Device();
        device.holdFirst.set(true);
        try (AuditLog log = AuditLog.open(tmp, perBatch(), device)) {
            log.append(decision(0));
            CompletableFuture<Void> first = log.written().toCompletableFuture();
            assertTrue(device.entered.await(10, TimeUnit.SECONDS), "the writer forces the first record");
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                log.append(decision(i));
                waiting.add(log.written().toCompletableFuture());
            }
            assertFalse(first.isDone(), "not written before its force returned");
            assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "none written before a force covered it");

            device.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Void> w : waiting) {
                w.get(10, TimeUnit.SECONDS);
            }
            AuditLog.Status s = log.status();
            assertEquals(101, s.written());
            assertEquals(2, s.forces(), "one force for the first record, one for the hundred queued meanwhile: " + s);
        }
    }

    @Test
    void intervalModeDoesNotForceEachBatch() throws Exception {
        Device device = new Device();
        try (AuditLog log = AuditLog.open(tmp, new AuditLog.Options(1 << 20, Duration.ofHours(1), 100_000), device)) {
            assertFalse(log.forcesEachBatch());
            for (int i = 1; i <= 20; i++) {
                log.append(decision(i));
            }
            TestLogs.await("the records reach the file", () -> log.status().written() == 20);
            assertEquals(0, log.status().forces(), "nothing forced within the hour");
            log.flush();
            assertEquals(1, log.status().forces());
        }
    }

    @Test
    void aFailingForceFailsTheRequestsWaitingOnItAndTheLogRecoversWhenForcesSucceed() throws Exception {
        Device device = new Device();
        try (AuditLog log = AuditLog.open(tmp, perBatch(), device)) {
            log.append(decision(1));
            log.written().toCompletableFuture().get(10, TimeUnit.SECONDS);

            device.failing.set(true);
            log.append(decision(2));
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> log.written().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertTrue(failed.getCause().getMessage().contains("the device failed"), failed.getCause().toString());
            assertFalse(log.status().healthy());
            assertFalse(log.accepting(), "no more records are taken while forces fail");
            assertTrue(log.status().lastError().contains("the device failed"), log.status().toString());
            assertThrows(ExecutionException.class, () -> log.written().toCompletableFuture().get(10, TimeUnit.SECONDS),
                    "a request made while the log is failing fails too");

            device.failing.set(false);
            TestLogs.await("the log finds it can force again", () -> log.status().healthy());
            assertTrue(log.accepting());
            log.append(decision(3));
            log.written().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        AuditVerifier.Result r = AuditVerifier.verify(tmp);
        assertTrue(r.intact(), r.toString());
        assertEquals(3, r.records());
    }
}
