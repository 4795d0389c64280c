package dev.countersign.pdp.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends records to the chain in one directory: numbers and hashes them, writes whole lines, rotates
 * files by size. Used by the writer thread only; not thread-safe.
 *
 * <p>A record counts as written once all its bytes (its newline aside) were accepted by the OS. Before
 * each batch the current file is checked to still be the one this writer opened, with exactly the
 * bytes it wrote; if it was removed, replaced or changed, or a failed write left part of a line in it,
 * the writer never appends to it again: the chain continues in the next file.
 */
final class ChainWriter implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    /** Bytes handed to one write call, about. */
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int CHUNK_RECORDS = 8192;

    /** Forces a file's written bytes to its storage device. */
    interface Device {
        /** {@link FileChannel#force}, without the metadata. */
        Device SYSTEM = channel -> channel.force(false);

        void force(FileChannel channel) throws IOException;
    }

    private final Path directory;
    private final long maxFileBytes;
    private final Device device;
    private final MessageDigest sha256 = RecordLine.sha256();
    private final LineBuffer chunk = new LineBuffer(CHUNK_BYTES + 64 * 1024);
    private final int[] lineEnds = new int[CHUNK_RECORDS];
    /** The hashes of the chunk's records, 64 hex digits each; slot 0 is the hash before the chunk. */
    private final byte[] hashes = new byte[(CHUNK_RECORDS + 1) * RecordLine.HEX_LENGTH];

    private FileChannel channel;
    private Path file;
    private long fileIndex;
    private Object fileKey;
    private long fileSize;
    /** The current file takes no more lines. */
    private boolean needsNewFile;
    private long seq;
    private String hash;
    /** When the oldest bytes not yet forced to the device were written (System.nanoTime), if any. */
    private long unforcedSince;
    private boolean unforced;
    /** A file was started since the last force: its directory entry may not be on the device yet. */
    private boolean directoryUnforced;
    /** Why a file the writer left since the last force could not be forced, or null. */
    private IOException leftUnforced;
    private long forces;
    /** The torn last line the chain continued over when it was opened, or null. */
    private ChainTip.Torn tornTail;
    /** Signs checkpoints; null: the log writes none. */
    private final Checkpoints.Signer signer;
    private final LineBuffer scratch = new LineBuffer(4096);
    /** Records written since the last checkpoint. */
    private long sinceCheckpoint;
    /** The JWS of the last checkpoint written, or null. */
    private String lastCheckpoint;

    private ChainWriter(Path directory, long maxFileBytes, Device device, Checkpoints.Signer signer) {
        this.directory = directory;
        this.maxFileBytes = maxFileBytes;
        this.device = device;
        this.signer = signer;
    }

    /** Continues the chain of the audit files in {@code directory}, opening or creating the file to write to. */
    static ChainWriter open(Path directory, long maxFileBytes, Device device) throws IOException {
        return open(directory, maxFileBytes, device, null);
    }

    /**
     * As {@link #open(Path, long, Device)}, writing signed checkpoints with {@code signer} (null: none): a
     * {@code start} checkpoint now and as the first line of every file started, an {@code end} one as
     * the last line of every file left full.
     */
    static ChainWriter open(Path directory, long maxFileBytes, Device device, Checkpoints.Signer signer) throws IOException {
        ChainWriter w = new ChainWriter(directory, maxFileBytes, device, signer);
        List<Path> files = AuditFiles.list(directory);
        ChainTip tip = ChainTip.find(files);
        w.seq = tip.seq();
        w.hash = tip.hash();
        if (tip.file() != null) {
            w.fileIndex = AuditFiles.index(tip.file());
            if (tip.appendable()) {
                w.openExisting(tip.file());
            } else if (tip.torn() != null) {
                w.tornTail = tip.torn();
                LOG.warn("the last line of {} is incomplete ({} bytes at offset {}, a write cut short by a crash); the file is left as it is,"
                        + " and the chain continues after seq {} in a new file", tip.file(), tip.torn().bytes(), tip.torn().offset(), tip.seq());
            } else {
                LOG.warn("{} does not end with a complete audit record and a newline; it is left as it is, and the chain continues after seq {} in a new file",
                        tip.file(), tip.seq());
            }
        }
        w.needsNewFile = w.channel == null;
        boolean continues = !w.needsNewFile;
        w.ensureFile();
        if (continues) {
            w.checkpoint(Checkpoints.START);
        }
        return w;
    }

    /**
     * Writes a checkpoint of {@code kind} signing the chain's position now (the last record written), whatever
     * the file's size; nothing without a signer.
     */
    void checkpoint(String kind) throws IOException {
        if (signer == null) {
            return;
        }
        ensureFile();   // the current file still this writer's, or the next one started (with its own start checkpoint)
        byte[] fields;
        try {
            fields = RecordLine.fields(Checkpoints.record(signer, kind, seq, hash, java.time.Instant.now()), scratch);
        } catch (RuntimeException e) {
            throw new IOException("the " + kind + " checkpoint could not be signed: " + e.getMessage(), e);
        }
        byte[] last = hash.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(last, 0, hashes, 0, RecordLine.HEX_LENGTH);
        chunk.reset();
        RecordLine.frame(chunk, seq + 1, hashes, 0, fields, sha256, hashes, RecordLine.HEX_LENGTH);
        lineEnds[0] = chunk.length();
        java.util.ArrayDeque<byte[]> one = new java.util.ArrayDeque<>();
        one.add(fields);
        writeChunk(1, one);
        sinceCheckpoint = 0;
        lastCheckpoint = new String(fields, StandardCharsets.UTF_8);
    }

    /** Whether records were written since the last checkpoint (always false without a signer). */
    boolean uncheckpointed() {
        return signer != null && sinceCheckpoint > 0;
    }

    /** The fields of the last checkpoint record written (JSON inside braces), or null. */
    String lastCheckpoint() {
        return lastCheckpoint;
    }

    long seq() {
        return seq;
    }

    /** The torn last line found when the chain was opened (left in its file), or null. */
    ChainTip.Torn tornTail() {
        return tornTail;
    }

    String hash() {
        return hash;
    }

    Path file() {
        return file;
    }

    /**
     * Writes the records of {@code pending} (their fields, as {@link RecordLine#fields} makes them), removing
     * each from the deque once it is written. On failure the records not written stay in the deque, in order.
     */
    void write(Deque<byte[]> pending) throws IOException {
        ensureFile();
        byte[] last = hash.getBytes(StandardCharsets.US_ASCII);
        while (!pending.isEmpty()) {
            System.arraycopy(last, 0, hashes, 0, RecordLine.HEX_LENGTH);
            chunk.reset();
            int n = 0;
            boolean rotate = false;
            for (byte[] fields : pending) {
                if (n == CHUNK_RECORDS || chunk.length() >= CHUNK_BYTES) {
                    break;
                }
                int start = chunk.length();
                RecordLine.frame(chunk, seq + n + 1, hashes, n * RecordLine.HEX_LENGTH, fields, sha256,
                        hashes, (n + 1) * RecordLine.HEX_LENGTH);
                if (fileSize + chunk.length() > maxFileBytes && fileSize + start > 0) {
                    chunk.truncate(start);
                    rotate = true;
                    break;
                }
                lineEnds[n++] = chunk.length();
            }
            writeChunk(n, pending);
            sinceCheckpoint += n;
            System.arraycopy(hashes, n * RecordLine.HEX_LENGTH, last, 0, RecordLine.HEX_LENGTH);
            if (rotate) {
                checkpoint(Checkpoints.END);
                rotate();
                last = hash.getBytes(StandardCharsets.US_ASCII);
            }
        }
    }

    /** Whether bytes were written since the last {@link #force}. */
    boolean unforced() {
        return unforced;
    }

    /** Nanoseconds since the oldest unforced bytes were written. */
    long unforcedFor(long now) {
        return unforced ? now - unforcedSince : 0;
    }

    /**
     * Forces what was written to the storage device, and the directory when a file was started since the
     * last force. Fails, too, when forcing a file the writer left since the last force failed. After a
     * failure, too, the bytes count as forced (not retried).
     */
    void force() throws IOException {
        try {
            if (channel != null && unforced) {
                forces++;
                device.force(channel);
            }
            if (directoryUnforced) {
                directoryUnforced = false;
                try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                    device.force(dir);
                }
            }
            if (leftUnforced != null) {
                throw leftUnforced;
            }
        } finally {
            unforced = false;
            leftUnforced = null;
        }
    }

    /** Forces of a file to the device since open, failed ones included. */
    long forces() {
        return forces;
    }

    /**
     * Checks, with nothing to write, that the chain can take records again: the current file is still
     * this writer's (or the next one can be started) and can be forced to the device.
     */
    void probe() throws IOException {
        ensureFile();
        forces++;
        device.force(channel);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            try {
                force();
            } finally {
                channel.close();
                channel = null;
            }
        }
    }

    private void writeChunk(int records, Deque<byte[]> pending) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(chunk.array(), 0, chunk.length());
        long accepted = 0;
        try {
            while (bytes.hasRemaining()) {
                accepted += channel.write(bytes);
            }
        } catch (IOException e) {
            int whole = 0;
            while (whole < records && lineEnds[whole] - 1 <= accepted) {
                whole++;
            }
            commit(whole, pending);
            fileSize += accepted;
            if (accepted > 0) {
                markUnforced();
            }
            if (accepted != (whole == 0 ? 0 : lineEnds[whole - 1])) {
                needsNewFile = true;
                LOG.error("a failed write left part of a line at the end of {}; the chain continues in a new file", file);
            }
            throw e;
        }
        fileSize += accepted;
        commit(records, pending);
        if (accepted > 0) {
            markUnforced();
        }
    }

    private void commit(int records, Deque<byte[]> pending) {
        if (records == 0) {
            return;
        }
        for (int i = 0; i < records; i++) {
            pending.removeFirst();
        }
        seq += records;
        hash = new String(hashes, records * RecordLine.HEX_LENGTH, RecordLine.HEX_LENGTH, StandardCharsets.US_ASCII);
    }

    private void markUnforced() {
        if (!unforced) {
            unforced = true;
            unforcedSince = System.nanoTime();
        }
    }

    private void rotate() throws IOException {
        needsNewFile = true;
        ensureFile();
    }

    /** Makes sure there is a current file that can take more lines: the same file as before, or the next one. */
    private void ensureFile() throws IOException {
        if (channel != null && !needsNewFile) {
            checkCurrentFile();
            return;
        }
        if (channel != null) {
            FileChannel old = channel;
            channel = null;
            try {
                if (unforced) {
                    unforced = false;
                    forces++;
                    device.force(old);
                }
            } catch (IOException e) {
                leftUnforced = new IOException("could not force " + file + " to the device before leaving it: " + e, e);
                LOG.warn(leftUnforced.getMessage());
            } finally {
                closeQuietly(old);
            }
        }
        long next = fileIndex + 1;
        List<Path> existing = AuditFiles.list(directory);
        if (!existing.isEmpty()) {
            next = Math.max(next, AuditFiles.index(existing.get(existing.size() - 1)) + 1);
        }
        Path p = directory.resolve(AuditFiles.name(next));
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(p + " appeared while the audit log was starting it", e);
        }
        channel = ch;
        file = p;
        fileIndex = next;
        fileSize = 0;
        fileKey = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        needsNewFile = false;
        directoryUnforced = true;
        LOG.info("audit file {} started; the chain continues after seq {} (hash {})", p, seq, hash);
        checkpoint(Checkpoints.START);
    }

    private void openExisting(Path p) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            fileSize = ch.size();
            fileKey = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            closeQuietly(ch);
            throw e;
        }
        channel = ch;
        file = p;
        LOG.info("audit log continues in {} after seq {} (hash {})", p, seq, hash);
    }

    private void checkCurrentFile() throws IOException {
        BasicFileAttributes now;
        try {
            now = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            needsNewFile = true;
            throw new IOException(file + " is gone (" + e + ")", e);
        }
        if (!Objects.equals(now.fileKey(), fileKey) || !now.isRegularFile()) {
            needsNewFile = true;
            throw new IOException(file + " was replaced by another file");
        }
        if (now.size() != fileSize) {
            needsNewFile = true;
            throw new IOException(file + " was changed by someone else: it holds " + now.size()
                    + " bytes, the audit log wrote " + fileSize);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing an audit file failed", e);
        }
    }
}
