package dev.countersign.pdp.audit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.countersign.pdp.decision.AuditTrail;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only, hash-chained JSON-lines audit log in one directory. Thread-safe; {@link #append} never
 * blocks on I/O.
 *
 * <h2>Files</h2>
 * {@code audit-000001.jsonl}, {@code audit-000002.jsonl}, ... (six digits or more; the number orders them).
 * A record goes to a new file when it would take the current one past {@link Options#maxFileBytes} (a
 * record larger than that gets a file of its own). The chain runs through all files: the first record of
 * a file carries the hash of the last record of the file before. The log never changes or removes bytes
 * it wrote, and never deletes files; retention is the operator's. The directory also holds
 * {@code audit.lock}, which keeps a second process (or a second {@code AuditLog}) from writing to it.
 *
 * <h2>Record format</h2>
 * One compact JSON object per line, UTF-8, ending with {@code \n}:
 * <pre>
 * {"seq":2,"prev":"&lt;64 hex&gt;","type":"decision","decision_id":"01J…",…,"hash":"&lt;64 hex&gt;"}
 * </pre>
 * <ul>
 *   <li>{@code seq} is always the first field: 1, 2, 3, ... without gaps across files.</li>
 *   <li>{@code prev} is always the second field: the {@code hash} of the record before, or 64 zeros for
 *       the first record of the chain.</li>
 *   <li>then the record's own fields, in the order of the map given to {@link #append}; the names
 *       {@code seq}, {@code prev} and {@code hash} are reserved.</li>
 *   <li>{@code hash} is always the last field: lowercase hex SHA-256 of the line's own UTF-8 bytes with
 *       the text {@code ,"hash":"<64 hex>"} taken out, that is, of everything before {@code ,"hash":"}
 *       followed by a single <code>}</code>.</li>
 * </ul>
 * The hash is defined on the text, not on a re-serialisation, so any tool can check it. For example, in
 * bash with coreutils (records in order, starting at seq 1; set {@code p} to the first record's
 * {@code prev} to start elsewhere; a torn line is reported as broken):
 * <pre>
 * export LC_ALL=C; p=0000000000000000000000000000000000000000000000000000000000000000
 * cat audit-*.jsonl | while IFS= read -r l; do
 *   b="${l%,\"hash\":\"*}}"; h="${l: -66:64}"; q="${l#*\"prev\":\"}"
 *   [ "$(printf '%s' "$b" | sha256sum | cut -c1-64)" = "$h" ] &amp;&amp; [ "${q:0:64}" = "$p" ] || { echo "broken: $l"; break; }
 *   p=$h
 * done
 * </pre>
 * A hash chain shows edits, removals and reordering of records that are followed by later ones; it
 * cannot show that the newest records were cut off. To catch that, compare the tip against a copy kept
 * elsewhere: {@link Status#lastSeq()} and {@link Status#lastHash()}, which the log also writes to the
 * application log when it starts a file and when it closes.
 *
 * <h2>Writing</h2>
 * {@link #append} hands the record to one daemon writer thread through a queue; numbering,
 * serialisation, hashing and I/O all happen on that thread, in append order. The writer takes everything
 * queued at once and writes it as whole lines with one write call per megabyte or so, so records reach
 * the OS as soon as the writer gets to them, never half a record at a time. Written bytes are forced to
 * the storage device (fsync) at most {@link Options#flushInterval} after they were written, when a file
 * is left, on {@link #flush} and on {@link #close}. The caller must not change a map after handing it
 * to {@code append}. Values are written as {@code JsonValues.write} writes them (maps, lists, strings,
 * numbers, booleans, null; anything else as its {@code toString()}).
 *
 * <h2>Restart</h2>
 * {@link #open} continues from the last complete record of the newest files (its seq and hash, as
 * written; it does not verify the log). If the newest file does not end with a complete record and a
 * newline (a write interrupted by a crash or a full disk left a torn line, or lines that are not
 * records), that file is left untouched and the chain continues in a new file; {@link AuditVerifier}
 * reports the torn line and checks that the chain continues over it.
 *
 * <h2>Failures</h2>
 * When a write fails (full disk, file removed or replaced, directory gone or unwritable), {@link #status}
 * turns unhealthy with the error, {@code writeFailures} counts it, and an ERROR is logged (then again
 * every minute while it lasts). The records stay queued and the writer retries every
 * {@code flushInterval}; the status turns healthy again on the first successful write, and a WARN says
 * so. A file that was removed, replaced or changed by someone else, or that a failed write left with
 * part of a line, is not written to again: the chain continues in the next file. At most
 * {@link Options#maxQueued} records wait (in the queue and in the writer together); beyond that
 * {@code append} drops the record, counts it in {@code dropped}, and the writer logs an ERROR with the
 * count at most once per {@code flushInterval}.
 */
public final class AuditLog implements AuditTrail, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final List<String> RESERVED = List.of("seq", "prev", "hash");
    /** Records taken from the queue per round of the writer. */
    private static final int BATCH_RECORDS = 8192;
    private static final long STILL_FAILING_EVERY = TimeUnit.MINUTES.toNanos(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Object STOP = new Object();

    /**
     * @param maxFileBytes a file is not grown past this size (unless a single record is larger)
     * @param flushInterval the longest written bytes wait before being forced to the device; also the
     *                      retry interval after a failed write
     * @param maxQueued the most records waiting to be written; more are dropped and counted
     */
    public record Options(long maxFileBytes, Duration flushInterval, int maxQueued) {
        public Options {
            if (maxFileBytes <= 0) {
                throw new IllegalArgumentException("maxFileBytes must be positive: " + maxFileBytes);
            }
            Objects.requireNonNull(flushInterval, "flushInterval");
            if (flushInterval.isNegative() || flushInterval.isZero()) {
                throw new IllegalArgumentException("flushInterval must be positive: " + flushInterval);
            }
            if (maxQueued <= 0) {
                throw new IllegalArgumentException("maxQueued must be positive: " + maxQueued);
            }
        }

        /** 64 MiB files, forced to the device every second, up to 100,000 records waiting. */
        public static Options defaults() {
            return new Options(64L * 1024 * 1024, Duration.ofSeconds(1), 100_000);
        }
    }

    /**
     * The log's health and counters, for metrics and readiness.
     *
     * @param healthy false from a failed write until the next successful one, and once the writer stopped
     * @param lastError the most recent write failure, kept after recovery; null if there was none
     * @param written records written since open
     * @param writeFailures failed write attempts since open (retries included)
     * @param dropped records given to {@code append} and never written (queue full, log closed, or not
     *                writable as JSON)
     * @param queued records waiting to be written
     * @param lastHash the hash of the last record written (of the existing chain right after open)
     * @param lastSeq the seq of the last record written; 0 before the first record of a new log
     */
    public record Status(boolean healthy, String lastError, long written, long writeFailures, long dropped, int queued,
                         String lastHash, long lastSeq) {
    }

    /** A record appended with a callback for its serialised form. */
    private record Serialized(Map<String, Object> record, Consumer<byte[]> callback) {
    }

    private record Tip(long seq, String hash) {
    }

    private static final class FlushRequest {
        final CompletableFuture<Void> done = new CompletableFuture<>();
    }

    private final Path directory;
    private final Options options;
    private final long intervalNanos;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ChainWriter chain;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Records appended and neither written nor dropped: in the queue or in the writer's hands. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean droppedAfterCloseLogged = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile boolean healthy = true;
    private volatile String lastError;
    private volatile Tip tip;

    // Writer thread state.
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private final LineBuffer scratch = new LineBuffer(4096);
    private long retryAt;
    private long lastFailureLog;
    private long failuresInEpisode;
    private long droppedReported;
    private long lastDropLog;

    private AuditLog(Path directory, Options options, FileChannel lockChannel, FileLock lock, ChainWriter chain) {
        this.directory = directory;
        this.options = options;
        this.intervalNanos = options.flushInterval().toNanos();
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.chain = chain;
        this.tip = new Tip(chain.seq(), chain.hash());
        this.lastDropLog = System.nanoTime() - intervalNanos;
        this.thread = new Thread(this::run, "countersign-audit-writer");
        thread.setDaemon(true);
    }

    /**
     * Opens (creating) the log in {@code directory} and continues the chain of its newest file (seq and
     * prev hash). Fails when the directory cannot be created or written, or another process or another
     * {@code AuditLog} has it open.
     */
    public static AuditLog open(Path directory, Options options) throws IOException {
        Objects.requireNonNull(options, "options");
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve("audit.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException(directory + " is already in use by another audit log (audit.lock is held)");
        }
        ChainWriter chain;
        try {
            chain = ChainWriter.open(directory, options.maxFileBytes());
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        AuditLog log = new AuditLog(directory, options, lockChannel, lock, chain);
        log.thread.start();
        return log;
    }

    /**
     * Queues one record: its fields in order (e.g. "type", "time", "node", "caller", ...). The log adds
     * {@code seq}, {@code prev} and {@code hash}. Never blocks; when {@link Options#maxQueued} records are
     * already waiting, or the log is closed, the record is counted as dropped (and logged by the writer).
     *
     * @throws IllegalArgumentException when the record has a field named seq, prev or hash
     */
    public boolean append(Map<String, Object> record) {
        return queue(record, null);
    }

    /**
     * As {@link #append(Map)}; {@code serialized}, when given, is called on the writer thread with the
     * record as compact JSON (its own fields only, without seq, prev and hash) once it is serialised,
     * so the caller can keep that form instead of the map. It must be quick and must not throw.
     */
    public boolean append(Map<String, Object> record, Consumer<byte[]> serialized) {
        return queue(record, serialized);
    }

    /** {@inheritDoc} Not while a write fails (records wait and are retried), the log is closed, or the queue is full. */
    @Override
    public boolean accepting() {
        return healthy && !closed.get() && !stopped && outstanding.get() < options.maxQueued();
    }

    @Override
    public CompletionStage<Void> written() {
        FlushRequest request = new FlushRequest();
        queue.offer(request);
        if (stopped && queue.remove(request)) {
            return CompletableFuture.failedFuture(new IOException(closed.get() ? "the audit log is closed"
                    : "the audit log could not write: " + lastError));
        }
        return request.done;
    }

    /** Queues {@code record}; answers false when it was dropped instead. */
    private boolean queue(Map<String, Object> record, Consumer<byte[]> serialized) {
        Objects.requireNonNull(record, "record");
        for (String name : RESERVED) {
            if (record.containsKey(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is set by the audit log; a record may not contain it");
            }
        }
        if (closed.get()) {
            dropped.increment();
            if (droppedAfterCloseLogged.compareAndSet(false, true)) {
                LOG.error("audit record dropped: the audit log of {} is closed", directory);
            }
            return false;
        }
        if (outstanding.incrementAndGet() > options.maxQueued()) {
            outstanding.decrementAndGet();
            dropped.increment();
            return false;
        }
        Object item = serialized == null ? record : new Serialized(record, serialized);
        queue.offer(item);
        if (stopped && queue.remove(item)) {
            outstanding.decrementAndGet();
            dropped.increment();
            return false;
        }
        return true;
    }

    /**
     * Blocks until every record appended before the call is written and forced to the storage device.
     * Returns at once once the log is closed.
     *
     * @throws IOException when the writer's attempt failed (the records stay queued and are retried) or
     *                     the writer stopped on an error, or {@link InterruptedIOException} when the calling
     *                     thread was interrupted
     */
    public void flush() throws IOException {
        FlushRequest request = new FlushRequest();
        queue.offer(request);
        if (stopped) {
            if (!closed.get()) {
                throw new IOException("the audit log could not write: " + lastError);
            }
            return;
        }
        try {
            request.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while flushing the audit log");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("the audit log could not write: " + cause.getMessage(), cause);
        }
    }

    /** The health and counters now; cheap enough to read on every metrics scrape or readiness probe. */
    public Status status() {
        Tip t = tip;
        return new Status(healthy, lastError, written.get(), writeFailures.get(), dropped.sum(),
                Math.max(0, outstanding.get()), t.hash(), t.seq());
    }

    /**
     * Writes what is queued (one attempt), forces it to the device, and stops the writer thread; waits
     * up to ten seconds for that. Records that cannot be written then are counted as dropped and logged.
     * Records appended afterwards are dropped. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            queue.offer(STOP);
        }
        try {
            thread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("the audit writer did not stop within {}; {} records may not be written", CLOSE_WAIT, outstanding.get());
            return;
        }
        synchronized (lockChannel) {
            if (lockChannel.isOpen()) {
                try {
                    lock.release();
                    lockChannel.close();
                } catch (IOException e) {
                    LOG.warn("releasing {} failed: {}", directory.resolve("audit.lock"), e.toString());
                }
            }
        }
    }

    // ---- writer thread ----

    private void run() {
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
                    break;
                }
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
                item = queue.poll();
            }
            long now = System.nanoTime();
            boolean urgent = stop || !flushes.isEmpty();
            IOException failure = null;
            if (!pending.isEmpty() && (healthy || urgent || now - retryAt >= 0)) {
                failure = write(now);
            }
            if (failure == null && chain.unforced() && (urgent || chain.unforcedFor(now) >= intervalNanos)) {
                failure = force(now);
            }
            for (FlushRequest f : flushes) {
                if (failure == null && pending.isEmpty()) {
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

    /** How long the writer may sleep: until a retry or a force is due, and at most one interval. */
    private long waitNanos(long now) {
        long wait = intervalNanos;
        if (!pending.isEmpty() && !healthy) {
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
        try {
            chain.force();
            succeeded();
            return null;
        } catch (IOException e) {
            failed(e, now);
            return e;
        }
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
        for (Object item = queue.poll(); item != null; item = queue.poll()) {
            if (item instanceof FlushRequest f) {
                if (closed.get()) {
                    f.done.complete(null);
                } else {
                    f.done.completeExceptionally(new IOException(lastError));
                }
            } else if (item != STOP) {
                lost++;
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
