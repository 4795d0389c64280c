package dev.countersign.pdp.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an existing log's chain ends: the seq and hash of its last complete record, and whether the
 * newest file can take more lines.
 *
 * <p>The newest file can take more lines when it is empty, or when its last line is a complete
 * record ending with a newline. Anything else after the last complete record (a torn line from an
 * interrupted write, or lines that are not records) stays as it is, and the chain continues in a new
 * file, so nothing already written is ever changed and no new record shares a line with old bytes.
 * The records are not verified here (their {@code seq} and {@code hash} are taken as written); that is
 * {@link AuditVerifier}'s job.
 *
 * @param file the newest audit file, or null when there is none
 * @param appendable whether the next record may be appended to {@code file}
 * @param torn the newest file's last line when it has no newline and is not a complete record, else null
 */
record ChainTip(long seq, String hash, Path file, boolean appendable, Torn torn) {
    /**
     * A torn last line: {@code bytes} bytes from {@code offset} of {@code file}, with no newline after
     * them, that are not a complete record; the chain goes on after {@code afterSeq}.
     */
    record Torn(Path file, long offset, long bytes, long afterSeq) {
        /** The audit record that notes it, first in the file the chain continues in. */
        Map<String, Object> record() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", "audit_torn_line");
            r.put("time", Instant.now().toString());
            r.put("file", String.valueOf(file.getFileName()));
            r.put("offset", offset);
            r.put("bytes", bytes);
            r.put("after_seq", afterSeq);
            r.put("message", "the last line of " + file.getFileName() + " is incomplete (a write cut short by a crash);"
                    + " it is left as it is, and the chain continues here after seq " + afterSeq);
            return r;
        }
    }

    /** Longest line read back when looking for the last record; a longer one is skipped as not a record. */
    private static final int MAX_LINE = 64 * 1024 * 1024;

    static ChainTip find(List<Path> files) throws IOException {
        MessageDigest sha256 = RecordLine.sha256();
        Path newest = files.isEmpty() ? null : files.get(files.size() - 1);
        boolean newestEmpty = true;
        ReverseLines.Line tornLine = null;
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (file == newest) {
                    newestEmpty = size == 0;
                }
                ReverseLines lines = new ReverseLines(ch, size);
                boolean lastLine = true;
                for (ReverseLines.Line line = lines.previous(); line != null; line = lines.previous()) {
                    RecordLine.Parsed record = parse(line, sha256);
                    if (record != null) {
                        boolean appendable = file == newest ? lastLine && line.terminated() : newestEmpty;
                        return new ChainTip(record.seq(), record.hash(), newest, appendable, torn(newest, tornLine, record.seq()));
                    }
                    if (file == newest && lastLine && !line.terminated()) {
                        tornLine = line;
                    }
                    lastLine = false;
                }
            }
        }
        return new ChainTip(0, RecordLine.ZERO_HASH, newest, newestEmpty, torn(newest, tornLine, 0));
    }

    private static Torn torn(Path file, ReverseLines.Line line, long afterSeq) {
        return line == null ? null : new Torn(file, line.start(), line.length(), afterSeq);
    }

    private static RecordLine.Parsed parse(ReverseLines.Line line, MessageDigest sha256) {
        if (line.bytes() == null) {
            return null;
        }
        try {
            return RecordLine.parse(line.bytes(), line.bytes().length, sha256);
        } catch (RecordLine.NotARecord e) {
            return null;
        }
    }

    /** A file's lines from the last to the first. */
    static final class ReverseLines {
        private static final int CHUNK = 64 * 1024;
        private final FileChannel channel;
        private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        /** The end (exclusive, before its newline) of the next line to return. */
        private long end;
        private boolean nextTerminated;
        private boolean done;

        /**
         * @param bytes null when the line is longer than {@link #MAX_LINE}
         * @param start the line's offset in the file
         * @param length its length in bytes, without its newline
         */
        record Line(byte[] bytes, boolean terminated, long start, long length) {
        }

        ReverseLines(FileChannel channel, long size) throws IOException {
            this.channel = channel;
            if (size == 0) {
                done = true;
                return;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            readFully(last, size - 1);
            nextTerminated = last.get(0) == '\n';
            end = nextTerminated ? size - 1 : size;
        }

        Line previous() throws IOException {
            if (done) {
                return null;
            }
            long newline = lastNewlineBefore(end);
            long start = newline + 1;
            long length = end - start;
            byte[] bytes = null;
            if (length <= MAX_LINE) {
                bytes = new byte[(int) length];
                readFully(ByteBuffer.wrap(bytes), start);
            }
            Line line = new Line(bytes, nextTerminated, start, length);
            if (newline < 0) {
                done = true;
            } else {
                end = newline;
                nextTerminated = true;
            }
            return line;
        }

        private long lastNewlineBefore(long limit) throws IOException {
            long pos = limit;
            while (pos > 0) {
                int n = (int) Math.min(CHUNK, pos);
                chunk.clear().limit(n);
                readFully(chunk, pos - n);
                for (int i = n - 1; i >= 0; i--) {
                    if (chunk.get(i) == '\n') {
                        return pos - n + i;
                    }
                }
                pos -= n;
            }
            return -1;
        }

        private void readFully(ByteBuffer buffer, long position) throws IOException {
            long p = position;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, p);
                if (n < 0) {
                    throw new IOException("the file shrank while it was read");
                }
                p += n;
            }
        }
    }
}
