package dev.countersign.pdp.decision;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decision records one member ships to its backup in one event-bus message. Binary, big-endian:
 * the version (1 byte, {@value #VERSION}), the shipping member's node id (2-byte length, ASCII),
 * the number of records (4 bytes, 1 to {@value #MAX_RECORDS}), then per record its decision id
 * (2-byte length, 1 to {@value #MAX_ID} characters of {@code [0-9A-Za-z_-]}), its expiry (8 bytes,
 * epoch milliseconds) and its compact JSON (4-byte length, an object, at most
 * {@value #MAX_RECORD_BYTES} bytes); nothing after the last. Anything else is refused whole.
 */
public record ReplicaBatch(String origin, List<Replica> records) {
    static final int VERSION = 1;
    static final int MAX_RECORDS = 4096;
    static final int MAX_ID = 64;
    static final int MAX_ORIGIN = 128;
    static final int MAX_RECORD_BYTES = 16 << 20;

    /** One record: its decision id, when it expires (epoch ms), its compact JSON. */
    public record Replica(String decisionId, long expiresAt, byte[] json) {
    }

    /** A batch the wire format cannot carry or a receiver must not keep. */
    public static final class MalformedBatch extends Exception {
        MalformedBatch(String message) {
            super(message);
        }
    }

    public ReplicaBatch {
        records = List.copyOf(records);
    }

    public Buffer encode() {
        int size = 1 + 2 + origin.length() + 4;
        for (Replica r : records) {
            size += 2 + r.decisionId().length() + 8 + 4 + r.json().length;
        }
        Buffer b = Buffer.buffer(size);
        b.appendByte((byte) VERSION);
        byte[] o = origin.getBytes(StandardCharsets.US_ASCII);
        b.appendShort((short) o.length).appendBytes(o);
        b.appendInt(records.size());
        for (Replica r : records) {
            byte[] id = r.decisionId().getBytes(StandardCharsets.US_ASCII);
            b.appendShort((short) id.length).appendBytes(id).appendLong(r.expiresAt()).appendInt(r.json().length).appendBytes(r.json());
        }
        return b;
    }

    /** Reads a batch, checking every length and field; throws naming the first thing wrong and its offset. */
    public static ReplicaBatch decode(Buffer b) throws MalformedBatch {
        if (b == null) {
            throw new MalformedBatch("no body");
        }
        int at = 0;
        int length = b.length();
        need(b, at, 1);
        if (b.getByte(at) != VERSION) {
            throw new MalformedBatch("version " + b.getByte(at) + " at offset 0, expected " + VERSION);
        }
        at += 1;
        need(b, at, 2);
        int originLength = b.getUnsignedShort(at);
        at += 2;
        String origin = token(b, at, originLength, MAX_ORIGIN, "origin");
        at += originLength;
        need(b, at, 4);
        int count = b.getInt(at);
        if (count < 1 || count > MAX_RECORDS) {
            throw new MalformedBatch("record count " + count + " at offset " + at + ", expected 1 to " + MAX_RECORDS);
        }
        at += 4;
        List<Replica> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            need(b, at, 2);
            int idLength = b.getUnsignedShort(at);
            at += 2;
            String id = token(b, at, idLength, MAX_ID, "decision id of record " + i);
            at += idLength;
            need(b, at, 12);
            long expiresAt = b.getLong(at);
            if (expiresAt <= 0) {
                throw new MalformedBatch("expiry " + expiresAt + " of record " + i + " at offset " + at);
            }
            at += 8;
            int jsonLength = b.getInt(at);
            if (jsonLength < 2 || jsonLength > MAX_RECORD_BYTES) {
                throw new MalformedBatch("record " + i + " is " + jsonLength + " bytes at offset " + at + ", expected 2 to " + MAX_RECORD_BYTES);
            }
            at += 4;
            need(b, at, jsonLength);
            if (b.getByte(at) != '{' || b.getByte(at + jsonLength - 1) != '}') {
                throw new MalformedBatch("record " + i + " at offset " + at + " is not a JSON object");
            }
            records.add(new Replica(id, expiresAt, b.getBytes(at, at + jsonLength)));
            at += jsonLength;
        }
        if (at != length) {
            throw new MalformedBatch((length - at) + " bytes after the last record, at offset " + at);
        }
        return new ReplicaBatch(origin, records);
    }

    private static void need(Buffer b, int at, int bytes) throws MalformedBatch {
        if (bytes < 0 || at + bytes > b.length()) {
            throw new MalformedBatch("truncated: " + bytes + " bytes wanted at offset " + at + " of " + b.length());
        }
    }

    /** Whether {@code decisionId} can be shipped: 1 to {@value #MAX_ID} characters of {@code [0-9A-Za-z_-]}. */
    public static boolean shippable(String decisionId) {
        if (decisionId.isEmpty() || decisionId.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < decisionId.length(); i++) {
            char c = decisionId.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code length} ASCII bytes at {@code at} that name an id: letters, digits, '_' and '-' (a node id also '.' and ':'). */
    private static String token(Buffer b, int at, int length, int max, String what) throws MalformedBatch {
        if (length < 1 || length > max) {
            throw new MalformedBatch(what + " is " + length + " characters at offset " + at + ", expected 1 to " + max);
        }
        need(b, at, length);
        boolean node = what.equals("origin");
        for (int i = 0; i < length; i++) {
            int c = b.getByte(at + i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-'
                    || (node && (c == '.' || c == ':'));
            if (!ok) {
                throw new MalformedBatch(what + " has byte " + (c & 0xFF) + " at offset " + (at + i));
            }
        }
        return b.getString(at, at + length, "US-ASCII");
    }
}
