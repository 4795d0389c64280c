package dev.countersign.pdp.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes an {@link AuditLog}, and the state it shares with the log's callers: the
 * queue, the counters and the health. Numbering, serialisation, hashing and I/O all happen on this
 * thread, in queue order; callers only offer items to the queue and read the counters.
 *
 * <p>A round takes everything queued (up to {@link #BATCH_RECORDS} records, flush requests among them),
 * writes it, then forces it to the device when a flush request asked, when the oldest unforced bytes
 * are {@code flushInterval} old, or, with {@link AuditLog.Fsync#PER_BATCH}, always. The flush requests
 * of a round complete after that round's force, so one force answers every request of the round.
 */
final class AuditWriter {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** Records taken from the queue per round. */
    private static final int BATCH_RECORDS = 8192;
    private static final long STILL_FAILING_EVERY = TimeUnit.MINUTES.toNanos(1);
    static final Object STOP = new Object();

    /** A record appended with a callback for its serialised form. */
    record Serialized(Map<String, Object> record, Consumer<byte[]> callback) {
    }

    record Tip(long seq, String hash) {
    }

    /** Completed once everything queued before it is written and forced, or failed when that could not be done. */
    static final class FlushRequest {
        final CompletableFuture<Void> done = new CompletableFuture<>();
    }

    private final Path directory;
    private final AuditLog.Options options;
    private final long intervalNanos;
    private final boolean forceEachBatch;
    private final ChainWriter chain;
    final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Records appended and neither written nor dropped: in the queue or in the writer's hands. */
    final AtomicInteger outstanding = new AtomicInteger();
    final LongAdder dropped = new LongAdder();
    final AtomicLong written = new AtomicLong();
    final AtomicLong writeFailures = new AtomicLong();
    final AtomicLong forces = new AtomicLong();
    final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean stopped;
    volatile boolean healthy = true;
    volatile String lastError;
    volatile Tip tip;
    /** The fields of the last checkpoint written (JSON inside braces), or null. */
    volatile String checkpoint;

    // Writer thread state.
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private final LineBuffer scratch = new LineBuffer(4096);
    private long retryAt;
    private long lastFailureLog;
    private long failuresInEpisode;
    private long droppedReported;
    private long lastDropLog;
    private final long checkpointNanos;
    private long lastCheckpointAt = System.nanoTime();

    AuditWriter(Path directory, AuditLog.Options options, ChainWriter chain) {
        this(directory, options, chain, java.time.Duration.ofSeconds(1));
    }

    /** @param checkpointInterval the longest records are written between two checkpoints */
    AuditWriter(Path directory, AuditLog.Options options, ChainWriter chain, java.time.Duration checkpointInterval) {
        this.checkpointNanos = checkpointInterval.toNanos();
        this.directory = directory;
        this.options = options;
        this.intervalNanos = options.flushInterval().toNanos();
        this.forceEachBatch = options.fsync() == AuditLog.Fsync.PER_BATCH;
        this.chain = chain;
        this.tip = new Tip(chain.seq(), chain.hash());
        this.checkpoint = chain.lastCheckpoint();
        this.lastDropLog = System.nanoTime() - intervalNanos;
    }

    Path file() {
        return chain.file();
    }

    void run() {
        try {
            loop();
        } catch (Throwable t) {
            healthy = false;
            lastError = "the audit writer stopped: " + t;
            LOG.error("the audit writer stopped; audit records are no longer written", t);
        } finally {
            finish();
        }
    }

    private void loop() throws InterruptedException {
        List<FlushRequest> flushes = new ArrayList<>();
        while (true) {
            Object item = queue.poll(waitNanos(System.nanoTime()), TimeUnit.NANOSECONDS);
            boolean stop = false;
            int taken = 0;
            while (item != null) {
                if (item == STOP) {
                    stop = true;
                    break;
                }
                if (item instanceof FlushRequest f) {
                    flushes.add(f);
                } else {
                    if (item instanceof Serialized withCallback) {
                        take(withCallback.record(), withCallback.callback());
                    } else {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> record = (Map<String, Object>) item;
                        take(record, null);
                    }
                    if (++taken == BATCH_RECORDS) {
                        break;
                    }
                }
                item = queue.poll();
            }
            long now = System.nanoTime();
            boolean urgent = stop || !flushes.isEmpty();
            IOException failure = null;
            if (!pending.isEmpty() && (healthy || urgent || now - retryAt >= 0)) {
                failure = write(now);
            } else if (pending.isEmpty() && !healthy && now - retryAt >= 0) {
                failure = probe(now);
            }
            // Only while the log writes: a checkpoint signs what is written, and is retried with the records after a failure.
            if (failure == null && healthy && chain.uncheckpointed() && (stop || now - lastCheckpointAt >= checkpointNanos)) {
                String kind = stop ? Checkpoints.SHUTDOWN : Checkpoints.INTERVAL;
                failure = attempt(() -> chain.checkpoint(kind), now);
                lastCheckpointAt = now;
                published();
            } else if (failure == null && stop && healthy && pending.isEmpty()) {
                failure = attempt(() -> chain.checkpoint(Checkpoints.SHUTDOWN), now);
                published();
            }
            if (failure == null && chain.unforced()
                    && (urgent || forceEachBatch || chain.unforcedFor(now) >= intervalNanos)) {
                failure = force(now);
            }
            for (FlushRequest f : flushes) {
                if (failure == null && pending.isEmpty() && healthy) {
                    f.done.complete(null);
                } else {
                    f.done.completeExceptionally(failure != null ? failure : new IOException(lastError));
                }
            }
            flushes.clear();
            reportDrops(now);
            if (!healthy && now - lastFailureLog >= STILL_FAILING_EVERY) {
                lastFailureLog = now;
                LOG.error("audit log writes in {} still failing ({} attempts); records waiting: {}; {}", directory,
                        failuresInEpisode, outstanding.get(), lastError);
            }
            if (stop) {
                return;
            }
        }
    }

    /** After a checkpoint: its record and the chain's tip, for readers. */
    private void published() {
        checkpoint = chain.lastCheckpoint();
        tip = new Tip(chain.seq(), chain.hash());
    }

    /** How long the writer may sleep: until a retry, a force or a checkpoint is due, and at most one interval. */
    private long waitNanos(long now) {
        long wait = intervalNanos;
        if (chain.uncheckpointed()) {
            wait = Math.min(wait, checkpointNanos - (now - lastCheckpointAt));
        }
        if (!healthy) {
            wait = Math.min(wait, retryAt - now);
        }
        if (chain.unforced()) {
            wait = Math.min(wait, intervalNanos - chain.unforcedFor(now));
        }
        return Math.max(0, wait);
    }

    private void take(Map<String, Object> record, Consumer<byte[]> serialized) {
        try {
            byte[] fields = RecordLine.fields(record, scratch);
            pending.addLast(fields);
            if (serialized != null) {
                byte[] json = new byte[fields.length + 2];
                json[0] = '{';
                System.arraycopy(fields, 0, json, 1, fields.length);
                json[json.length - 1] = '}';
                serialized.accept(json);
            }
        } catch (RuntimeException | StackOverflowError e) {
            outstanding.decrementAndGet();
            dropped.increment();
            LOG.error("audit record dropped: it cannot be written as JSON ({})", e.toString());
        }
    }

    private IOException write(long now) {
        int before = pending.size();
        IOException failure = null;
        try {
            chain.write(pending);
        } catch (IOException e) {
            failure = e;
        }
        int done = before - pending.size();
        forces.set(chain.forces());
        if (done > 0) {
            written.addAndGet(done);
            outstanding.addAndGet(-done);
            tip = new Tip(chain.seq(), chain.hash());
        }
        if (failure != null) {
            failed(failure, now);
        } else {
            succeeded();
        }
        return failure;
    }

    private IOException force(long now) {
        return attempt(chain::force, now);
    }

    /** With nothing to write after a failure: checks that the log can write again (a failed force has no record to retry). */
    private IOException probe(long now) {
        return attempt(chain::probe, now);
    }

    /** Runs {@code step} on the chain, recording its success or failure; the failure, or null. */
    private IOException attempt(ChainStep step, long now) {
        try {
            step.run();
            succeeded();
            return null;
        } catch (IOException e) {
            failed(e, now);
            return e;
        } finally {
            forces.set(chain.forces());
        }
    }

    /** One step of the chain's writer that may fail with an I/O error. */
    @FunctionalInterface
    private interface ChainStep {
        void run() throws IOException;
    }

    private void failed(IOException e, long now) {
        writeFailures.incrementAndGet();
        failuresInEpisode++;
        lastError = e.toString();
        retryAt = now + intervalNanos;
        if (healthy) {
            healthy = false;
            lastFailureLog = now;
            LOG.error("audit log write failed in {}; records waiting: {}, retried every {}: {}", directory,
                    outstanding.get(), options.flushInterval(), lastError);
        }
    }

    private void succeeded() {
        if (!healthy) {
            healthy = true;
            LOG.warn("audit log writes in {} recovered after {} failed attempts; continuing in {} at seq {}",
                    directory, failuresInEpisode, chain.file(), chain.seq());
            failuresInEpisode = 0;
        }
    }

    private void reportDrops(long now) {
        long total = dropped.sum();
        if (total != droppedReported && now - lastDropLog >= intervalNanos) {
            LOG.error("{} audit records dropped ({} in total): more than {} were waiting to be written, or they were not JSON",
                    total - droppedReported, total, options.maxQueued());
            droppedReported = total;
            lastDropLog = now;
        }
    }

    /** After the loop: last attempt already made; counts what is left as dropped and closes the file. */
    private void finish() {
        stopped = true;
        int lost = pending.size();
        pending.clear();
        List<FlushRequest> flushes = new ArrayList<>();
        for (Object item = queue.poll(); item != null; item = queue.poll()) {
            if (item instanceof FlushRequest f) {
                flushes.add(f);
            } else if (item != STOP) {
                lost++;
            }
        }
        for (FlushRequest f : flushes) {
            if (closed.get() && lost == 0) {
                f.done.complete(null);
            } else {
                f.done.completeExceptionally(new IOException(lost > 0 ? lost + " audit records could not be written before"
                        + " the audit log closed" : String.valueOf(lastError)));
            }
        }
        if (lost > 0) {
            outstanding.addAndGet(-lost);
            dropped.add(lost);
            LOG.error("{} audit records could not be written before the audit log of {} closed", lost, directory);
        }
        try {
            chain.close();
        } catch (IOException e) {
            healthy = false;
            lastError = e.toString();
            LOG.error("closing the audit file {} failed: {}", chain.file(), e.toString());
        }
        healthy = false;
        Tip t = tip;
        LOG.info("audit log of {} closed at seq {} (hash {})", directory, t.seq(), t.hash());
    }
}
