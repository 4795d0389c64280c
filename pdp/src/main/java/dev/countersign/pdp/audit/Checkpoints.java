package dev.countersign.pdp.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signed checkpoints of an audit log: a record of its own kind that anchors the chain. Its line is
 * {@code {"seq":N,"prev":"…","type":"checkpoint","kind":K,"node":…,"time":…,"at_seq":S,"at_hash":"…","jws":"…","hash":"…"}}:
 * {@code "type":"checkpoint"} is always its first own field, so a reader tells it apart (and skips it) by
 * the line's beginning. {@code at_seq} and {@code at_hash} are the seq and hash of the record before it
 * (the chain position it signs; 0 and 64 zeros at the start of a chain), and {@code jws} is a compact
 * JWS (ES256, header {@code typ} {@value #TYPE}) signed with the node's attestation key over
 * {@code {iss, node, kind, seq, hash, iat}} with the same values. Kinds: {@code start} (the log opened,
 * or a file started: the file's first line), {@code interval} (at least every
 * {@code attestation.checkpoint_interval} while records are written), {@code end} (a file is full: its last
 * line) and {@code shutdown} (the log closed cleanly: the last line of the log).
 *
 * <p>Whoever can write the files can recompute every hash, but cannot sign: a record edited before a
 * checkpoint changes the hash the checkpoint signed. Signing happens on the audit writer's thread, once
 * per checkpoint, never per record.
 */
public final class Checkpoints {
    public static final String TYPE = "countersign-checkpoint+jwt";
    public static final String RECORD_TYPE = "checkpoint";
    public static final String START = "start";
    public static final String INTERVAL = "interval";
    public static final String END = "end";
    public static final String SHUTDOWN = "shutdown";

    /** Signs a chain position for the log; thread-safe. */
    public interface Signer {
        /** The compact JWS of the claims {@code {iss, node, kind, seq, hash, iat}}. */
        String sign(String kind, long seq, String hash, Instant time);

        /** The node whose key signs. */
        String node();
    }

    private Checkpoints() {
    }

    /** The fields of a checkpoint record signing position {@code seq}/{@code hash}, in line order. */
    static Map<String, Object> record(Signer signer, String kind, long seq, String hash, Instant time) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", RECORD_TYPE);
        r.put("kind", kind);
        r.put("node", signer.node());
        r.put("time", time.toString());
        r.put("at_seq", seq);
        r.put("at_hash", hash);
        r.put("jws", signer.sign(kind, seq, hash, time));
        return r;
    }

    /** Whether a line (without its newline) is a checkpoint record, by its beginning. */
    static boolean isCheckpoint(byte[] line, int length) {
        int i = 0;
        while (i < length && line[i] != ',') {
            i++;
        }
        // {"seq":N  ,"prev":"<64 hex>"  ,"type":"checkpoint"
        int at = i + ",\"prev\":\"".length() + RecordLine.HEX_LENGTH + 1;
        byte[] tag = RecordLine.ascii(",\"type\":\"checkpoint\"");
        return at + tag.length <= length && java.util.Arrays.equals(line, at, at + tag.length, tag, 0, tag.length);
    }
}
