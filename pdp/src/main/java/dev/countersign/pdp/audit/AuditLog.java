package dev.countersign.pdp.audit;

import dev.countersign.pdp.decision.AuditTrail;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
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
 * {@link #append} hands the record to one daemon writer thread through a queue ({@link AuditWriter});
 * numbering, serialisation, hashing and I/O all happen on that thread, in append order. The writer takes
 * everything queued at once and writes it as whole lines with one write call per megabyte or so, so
 * records reach the OS as soon as the writer gets to them, never half a record at a time. When written
 * bytes are forced to the storage device (fsync) is {@link Options#fsync}: with {@link Fsync#INTERVAL}
 * at most {@link Options#flushInterval} after they were written; with {@link Fsync#PER_BATCH} right
 * after each batch is written, before the next is taken (group commit: one force covers every record
 * queued while the one before ran); with either, when a file is left, on {@link #written}, {@link #flush}
 * and {@link #close}. {@link #forcesEachBatch()} tells callers to wait on {@link #written} before they
 * act on a record. The caller must not change a map after handing it to {@code append}. Values are
 * written as {@code JsonValues.write} writes them (maps, lists, strings, numbers, booleans, null;
 * anything else as its {@code toString()}).
 *
 * <h2>Restart</h2>
 * {@link #open} continues from the last complete record of the newest files (its seq and hash, as
 * written; it does not verify the log). If the newest file does not end with a complete record and a
 * newline (a write cut short by a crash or a full disk left a torn line, or lines that are not
 * records), that file is left untouched, a WARN names it, and the chain continues in a new file whose
 * first record, of type {@code audit_torn_line}, names the file, the byte offset and length of the torn
 * tail and the seq it follows. {@link AuditVerifier} reports the torn line as such (not as a broken
 * record) and checks that the chain continues over it. What a crash can take: with {@code INTERVAL},
 * records written in the last {@code flushInterval} before a power loss or a kernel crash (a killed
 * process loses only what was still queued: records reach the OS without waiting for a force); with
 * {@code PER_BATCH}, no record whose {@link #written} stage completed.
 *
 * <h2>Failures</h2>
 * When a write or a force fails (full disk, file removed or replaced, directory gone or unwritable, a
 * device error), {@link #status} turns unhealthy with the error, {@code writeFailures} counts it, the
 * {@link #written} stages of that round fail, and an ERROR is logged (then again every minute while it
 * lasts). Records not written stay queued and the writer retries every {@code flushInterval} (with
 * nothing left to write, it checks that the file can be forced again; a failed force is not retried,
 * its bytes' fate is the device's); the status turns healthy again on the first success, and a WARN
 * says so; until then {@link #written} stages fail. A file that was removed, replaced or changed by someone else, or that a failed write left with
 * part of a line, is not written to again: the chain continues in the next file. At most
 * {@link Options#maxQueued} records wait (in the queue and in the writer together); beyond that
 * {@code append} drops the record, counts it in {@code dropped}, and the writer logs an ERROR with the
 * count at most once per {@code flushInterval}.
 */
public final class AuditLog implements AuditTrail, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final List<String> RESERVED = List.of("seq", "prev", "hash");
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /** When written records are forced to the storage device ({@code audit.fsync}). */
    public enum Fsync {
        /** At most {@code flushInterval} after they were written: a power loss can take the newest records. */
        INTERVAL,
        /** After each batch, before the next is taken: a record is on the device when {@link #written} completes. */
        PER_BATCH
    }

    /**
     * @param maxFileBytes a file is not grown past this size (unless a single record is larger)
     * @param flushInterval the longest written bytes wait before being forced to the device; also the
     *                      retry interval after a failed write
     * @param maxQueued the most records waiting to be written; more are dropped and counted
     * @param fsync when written bytes are forced to the device
     */
    public record Options(long maxFileBytes, Duration flushInterval, int maxQueued, Fsync fsync) {
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
            Objects.requireNonNull(fsync, "fsync");
        }

        /** With {@link Fsync#INTERVAL}. */
        public Options(long maxFileBytes, Duration flushInterval, int maxQueued) {
            this(maxFileBytes, flushInterval, maxQueued, Fsync.INTERVAL);
        }

        /** 64 MiB files, forced to the device every second, up to 100,000 records waiting. */
        public static Options defaults() {
            return new Options(64L * 1024 * 1024, Duration.ofSeconds(1), 100_000);
        }

        public Options withFsync(Fsync value) {
            return new Options(maxFileBytes, flushInterval, maxQueued, value);
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
     * @param forces forces to the storage device since open (failed ones included)
     */
    public record Status(boolean healthy, String lastError, long written, long writeFailures, long dropped, int queued,
                         String lastHash, long lastSeq, long forces) {
    }

    private final Path directory;
    private final Options options;
    private final DirectoryLock lock;
    private final AuditWriter writer;
    private final AtomicBoolean droppedAfterCloseLogged = new AtomicBoolean();
    private final Thread thread;

    private AuditLog(Path directory, Options options, DirectoryLock lock, ChainWriter chain, Duration checkpointInterval) {
        this.directory = directory;
        this.options = options;
        this.lock = lock;
        this.writer = new AuditWriter(directory, options, chain, checkpointInterval);
        this.thread = new Thread(writer::run, "countersign-audit-writer");
        thread.setDaemon(true);
    }

    /**
     * Opens (creating) the log in {@code directory} and continues the chain of its newest file (seq and
     * prev hash). Fails when the directory cannot be created or written, or another process or another
     * {@code AuditLog} has it open.
     */
    public static AuditLog open(Path directory, Options options) throws IOException {
        return open(directory, options, ChainWriter.Device.SYSTEM);
    }

    /**
     * As {@link #open(Path, Options)}, anchoring the chain with signed {@link Checkpoints} made by {@code signer}: at the
     * start, at least every {@code checkpointInterval} while records are written, at each file's start and end, and
     * at a clean close.
     */
    public static AuditLog open(Path directory, Options options, Checkpoints.Signer signer, Duration checkpointInterval)
            throws IOException {
        return open(directory, options, ChainWriter.Device.SYSTEM, signer, checkpointInterval);
    }

    /** As {@link #open(Path, Options)}, forcing files to the device through {@code device}. */
    static AuditLog open(Path directory, Options options, ChainWriter.Device device) throws IOException {
        return open(directory, options, device, null, Duration.ofSeconds(1));
    }

    static AuditLog open(Path directory, Options options, ChainWriter.Device device, Checkpoints.Signer signer,
                         Duration checkpointInterval) throws IOException {
        Objects.requireNonNull(options, "options");
        DirectoryLock lock = DirectoryLock.acquire(directory);
        ChainWriter chain;
        try {
            chain = ChainWriter.open(directory, options.maxFileBytes(), device, signer);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        AuditLog log = new AuditLog(directory, options, lock, chain, checkpointInterval);
        ChainTip.Torn torn = chain.tornTail();
        if (torn != null) {
            log.append(torn.record());
        }
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
        return writer.healthy && !writer.closed.get() && !writer.stopped && writer.outstanding.get() < options.maxQueued();
    }

    /** {@inheritDoc} With {@link Fsync#PER_BATCH}, the force that completes it covers every request of its batch. */
    @Override
    public CompletionStage<Void> written() {
        AuditWriter.FlushRequest request = new AuditWriter.FlushRequest();
        writer.queue.offer(request);
        if (writer.stopped && writer.queue.remove(request)) {
            return CompletableFuture.failedFuture(new IOException(writer.closed.get() ? "the audit log is closed"
                    : "the audit log could not write: " + writer.lastError));
        }
        return request.done;
    }

    /** {@inheritDoc} True with {@link Fsync#PER_BATCH}. */
    @Override
    public boolean forcesEachBatch() {
        return options.fsync() == Fsync.PER_BATCH;
    }

    /** Queues {@code record}; answers false when it was dropped instead. */
    private boolean queue(Map<String, Object> record, Consumer<byte[]> serialized) {
        Objects.requireNonNull(record, "record");
        for (String name : RESERVED) {
            if (record.containsKey(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is set by the audit log; a record may not contain it");
            }
        }
        if (writer.closed.get()) {
            writer.dropped.increment();
            if (droppedAfterCloseLogged.compareAndSet(false, true)) {
                LOG.error("audit record dropped: the audit log of {} is closed", directory);
            }
            return false;
        }
        if (writer.outstanding.incrementAndGet() > options.maxQueued()) {
            writer.outstanding.decrementAndGet();
            writer.dropped.increment();
            return false;
        }
        Object item = serialized == null ? record : new AuditWriter.Serialized(record, serialized);
        writer.queue.offer(item);
        if (writer.stopped && writer.queue.remove(item)) {
            writer.outstanding.decrementAndGet();
            writer.dropped.increment();
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
        AuditWriter.FlushRequest request = new AuditWriter.FlushRequest();
        writer.queue.offer(request);
        if (writer.stopped) {
            if (!writer.closed.get()) {
                throw new IOException("the audit log could not write: " + writer.lastError);
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

    /**
     * The last signed checkpoint this log wrote: its record's fields as JSON ({@code kind}, {@code node}, {@code time},
     * {@code at_seq}, {@code at_hash}, {@code jws}; see {@link Checkpoints}), or null before the first (or without a signer).
     */
    public String latestCheckpoint() {
        String fields = writer.checkpoint;
        return fields == null ? null : "{" + fields + "}";
    }

    /** The health and counters now; cheap enough to read on every metrics scrape or readiness probe. */
    public Status status() {
        AuditWriter.Tip t = writer.tip;
        return new Status(writer.healthy, writer.lastError, writer.written.get(), writer.writeFailures.get(),
                writer.dropped.sum(), Math.max(0, writer.outstanding.get()), t.hash(), t.seq(), writer.forces.get());
    }

    /**
     * Writes what is queued (one attempt), forces it to the device, and stops the writer thread; waits
     * up to ten seconds for that. Records that cannot be written then are counted as dropped and logged.
     * Records appended afterwards are dropped. Idempotent.
     */
    @Override
    public void close() {
        if (writer.closed.compareAndSet(false, true)) {
            writer.queue.offer(AuditWriter.STOP);
        }
        try {
            thread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("the audit writer did not stop within {}; {} records may not be written", CLOSE_WAIT,
                    writer.outstanding.get());
            return;
        }
        lock.close();
    }
}
