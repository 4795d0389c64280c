package dev.countersign.pdp.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;

/**
 * One line of the audit log, as {@link AuditLog} documents it: framing a record's fields into
 * {@code {"seq":N,"prev":"…",FIELDS,"hash":"…"}} and reading such a line back.
 */
final class RecordLine {
    /** The {@code prev} of the first record of a chain. */
    static final String ZERO_HASH = "0".repeat(64);
    static final int HEX_LENGTH = 64;

    private static final byte[] SEQ_OPEN = ascii("{\"seq\":");
    private static final byte[] PREV_OPEN = ascii(",\"prev\":\"");
    private static final byte[] HASH_OPEN = ascii(",\"hash\":\"");
    /** {@code ,"hash":"<64 hex digits>"}}: what a line ends with, and what is left out of its own hash. */
    static final int HASH_SUFFIX_LENGTH = HASH_OPEN.length + HEX_LENGTH + 2;
    private static final byte[] HEX_DIGITS = ascii("0123456789abcdef");

    private RecordLine() {
    }

    /** The record's fields as the inside of a compact JSON object ({@code "a":1,"b":"x"}), UTF-8. */
    static byte[] fields(Map<String, Object> record, LineBuffer scratch) {
        scratch.reset();
        try (JsonGenerator g = Json.FACTORY.createGenerator(scratch)) {
            JsonValues.write(g, record, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Arrays.copyOfRange(scratch.array(), 1, scratch.length() - 1);
    }

    /**
     * Appends the complete line of record {@code seq} (with its newline) to {@code out}, and puts the
     * record's hash, as 64 lowercase hex digits, into {@code hashOut} at {@code hashOffset}.
     */
    static void frame(LineBuffer out, long seq, byte[] prevHex, int prevOffset, byte[] fields, MessageDigest sha256,
                      byte[] hashOut, int hashOffset) {
        int start = out.length();
        out.write(SEQ_OPEN);
        out.writeDecimal(seq);
        out.write(PREV_OPEN);
        out.write(prevHex, prevOffset, HEX_LENGTH);
        out.write('"');
        if (fields.length > 0) {
            out.write(',');
            out.write(fields);
        }
        sha256.update(out.array(), start, out.length() - start);
        sha256.update((byte) '}');
        hex(sha256.digest(), hashOut, hashOffset);
        out.write(HASH_OPEN);
        out.write(hashOut, hashOffset, HEX_LENGTH);
        out.write('"');
        out.write('}');
        out.write('\n');
    }

    /** A line read back: its seq, prev and hash as written, and whether the hash matches the line's text. */
    record Parsed(long seq, String prev, String hash, boolean hashMatches) {
    }

    /** Why a line is not an audit record. */
    static final class NotARecord extends Exception {
        private static final long serialVersionUID = 1L;

        NotARecord(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads one line (without its newline); does not check it against the chain. */
    static Parsed parse(byte[] line, int length, MessageDigest sha256) throws NotARecord {
        if (length == 0) {
            throw new NotARecord("empty line, not an audit record");
        }
        long seq;
        String prev;
        String hash;
        try (JsonParser p = Json.FACTORY.createParser(line, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotARecord("not valid JSON: not an object");
            }
            if (p.nextToken() != JsonToken.FIELD_NAME || !"seq".equals(p.currentName())) {
                throw new NotARecord("not an audit record: the first field is not \"seq\"");
            }
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 1) {
                throw new NotARecord("not an audit record: \"seq\" is not a positive integer");
            }
            seq = p.getLongValue();
            if (p.nextToken() != JsonToken.FIELD_NAME || !"prev".equals(p.currentName())) {
                throw new NotARecord("not an audit record: the second field is not \"prev\"");
            }
            prev = hexString(p, "prev");
            String last = "prev";
            String lastValue = prev;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                last = p.currentName();
                JsonToken value = p.nextToken();
                lastValue = value == JsonToken.VALUE_STRING ? p.getText() : null;
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new NotARecord("not valid JSON: text after the end of the object");
            }
            if (!"hash".equals(last)) {
                throw new NotARecord("not an audit record: the last field is not \"hash\"");
            }
            hash = lastValue;
        } catch (StreamReadException e) {
            String message = e.getOriginalMessage();
            int newline = message.indexOf('\n');
            throw new NotARecord("not valid JSON: " + (newline < 0 ? message : message.substring(0, newline)));
        } catch (IOException e) {
            throw new NotARecord("not valid JSON: " + e.getMessage());
        }
        if (!isHex(hash)) {
            throw new NotARecord("not an audit record: \"hash\" is not 64 lowercase hex digits");
        }
        int suffix = length - HASH_SUFFIX_LENGTH;
        if (suffix < 0 || !Arrays.equals(line, suffix, suffix + HASH_OPEN.length, HASH_OPEN, 0, HASH_OPEN.length)
                || line[length - 2] != '"' || line[length - 1] != '}') {
            throw new NotARecord("not an audit record: the line does not end with ,\"hash\":\"<64 hex digits>\"}");
        }
        if (!Arrays.equals(line, length - 2 - HEX_LENGTH, length - 2, ascii(hash), 0, HEX_LENGTH)) {
            throw new NotARecord("not an audit record: the line does not end with ,\"hash\":\"<64 hex digits>\"}");
        }
        sha256.update(line, 0, suffix);
        sha256.update((byte) '}');
        byte[] computed = new byte[HEX_LENGTH];
        hex(sha256.digest(), computed, 0);
        boolean matches = Arrays.equals(line, length - 2 - HEX_LENGTH, length - 2, computed, 0, HEX_LENGTH);
        return new Parsed(seq, prev, hash, matches);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String hexString(JsonParser p, String field) throws IOException, NotARecord {
        if (p.nextToken() != JsonToken.VALUE_STRING || !isHex(p.getText())) {
            throw new NotARecord("not an audit record: \"" + field + "\" is not 64 lowercase hex digits");
        }
        return p.getText();
    }

    private static boolean isHex(String s) {
        if (s == null || s.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    private static void hex(byte[] digest, byte[] out, int offset) {
        for (int i = 0; i < digest.length; i++) {
            out[offset + 2 * i] = HEX_DIGITS[(digest[i] >> 4) & 0xf];
            out[offset + 2 * i + 1] = HEX_DIGITS[digest[i] & 0xf];
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
