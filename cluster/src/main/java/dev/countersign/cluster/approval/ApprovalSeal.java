package dev.countersign.cluster.approval;

import dev.countersign.cluster.ClusterSecret;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The seal of shared approval state: an HMAC-SHA256, under a key derived from the cluster secret, of
 * every field of a value in one canonical encoding (each field length-prefixed, in declaration order,
 * null distinct from empty). The member that stores a value seals it; every reader and every entry
 * processor checks the seal before using it, so an entry put or edited by anything that does not hold
 * the secret — a Hazelcast client, a rogue member, a hand edit — is refused rather than honoured.
 *
 * <p>The same key authorises operations ({@link #operation}): a node that submits a transition to the
 * member holding an entry signs what it asks (the kind, the key, every parameter), and that member
 * applies only what is signed, so a member that joined without the secret can neither store a
 * forged approval through an honest holder nor have it count votes of reviewers it invented.
 */
public final class ApprovalSeal {
    private final byte[] key;

    public ApprovalSeal(ClusterSecret secret) {
        this.key = secret.key("approval-seal");
    }

    /** {@code a}, sealed. */
    public PendingApproval seal(PendingApproval a) {
        return a.sealedWith(of(a));
    }

    /**
     * Whether {@code a} carries the seal of its content; never throws: a value lacking a part that every
     * stored value has (a forgery, whose seal could not hold anyway) does not.
     */
    public boolean holds(PendingApproval a) {
        if (a == null || a.seal() == null) {
            return false;
        }
        try {
            return matches(a.seal(), of(a));
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    private static boolean matches(String seal, String expected) {
        return seal != null && MessageDigest.isEqual(seal.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII));
    }

    String of(PendingApproval a) {
        Encoder e = new Encoder("approval/2");
        e.text(a.id()).text(a.decisionId()).text(a.createdBy()).instant(a.createdAt()).instant(a.expiresAt());
        Requester r = a.requester();
        e.text(r.actorId()).text(r.onBehalfOf()).text(r.client()).text(r.clientReviewer());
        e.texts(a.requirement().groups());
        e.number(a.requirement().quorum().size());
        for (Map.Entry<String, Integer> q : a.requirement().quorum().entrySet()) {
            e.text(q.getKey()).number(q.getValue());
        }
        e.duration(a.requirement().ttl()).flag(a.distinctReviewers());
        e.text(a.contextHash()).text(a.context()).text(a.decision()).text(a.bundleRevision()).texts(a.callbacks());
        e.text(a.status().name());
        e.number(a.votes().size());
        for (Vote v : a.votes()) {
            e.text(v.reviewer()).text(v.choice().name()).text(v.comment()).instant(v.at()).text(v.node()).text(v.channel())
                    .texts(v.countsFor()).text(v.castId());
        }
        e.instant(a.decidedAt()).text(a.decidedBy()).instant(a.redeemedAt()).text(a.redeemedBy());
        ApprovalLog log = a.log();
        e.number(log.events().size());
        for (ApprovalEvent ev : log.events()) {
            e.number(ev.seq()).text(ev.type()).instant(ev.at()).number(ev.details().size());
            ev.details().forEach((k, v) -> e.text(k).text(v));
        }
        e.number(log.deliveries().size());
        for (Delivery d : log.deliveries().values()) {
            e.text(d.sink()).number(d.delivered()).number(d.attempts()).instant(d.nextAttempt()).text(d.lastError()).flag(d.failed())
                    .text(d.claimedBy()).instant(d.claimedUntil()).flag(d.uncertain())
                    .text(d.posted() == null ? null : d.posted().conversation()).text(d.posted() == null ? null : d.posted().messageId());
        }
        e.duration(log.remindAfter()).duration(log.remindEvery()).instant(log.remindAt()).number(log.reminders());
        e.number(a.version());
        return e.mac(key);
    }

    /**
     * The authorisation of an operation of {@code kind} on entry {@code key} with {@code params}
     * (strings, numbers, flags, instants, durations, lists and sets of strings, approvals,
     * requirements, or null); the same inputs give the same value on every member.
     */
    public String operation(String kind, String key, Object... params) {
        Encoder e = new Encoder("operation/1:" + kind).text(key);
        for (Object p : params) {
            if (p instanceof PendingApproval a) {
                e.text("approval").text(of(a));   // its content, as its seal covers it
            } else {
                e.value(p);
            }
        }
        return e.mac(this.key);
    }

    /** Whether {@code authorization} is that of the operation described. */
    public boolean authorizes(String authorization, String kind, String key, Object... params) {
        return matches(authorization, operation(kind, key, params));
    }

    /** The canonical encoding: a kind tag, then each field with a presence byte and a length where it has one. */
    private static final class Encoder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        private final DataOutputStream out = new DataOutputStream(bytes);

        Encoder(String kind) {
            text(kind);
        }

        Encoder text(String s) {
            try {
                if (s == null) {
                    out.writeByte(0);
                } else {
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    out.writeByte(1);
                    out.writeInt(b.length);
                    out.write(b);
                }
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Encoder texts(List<String> list) {
            number(list.size());
            list.forEach(this::text);
            return this;
        }

        Encoder number(long n) {
            try {
                out.writeLong(n);
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Encoder flag(boolean b) {
            return number(b ? 1 : 0);
        }

        Encoder instant(Instant t) {
            return text(t == null ? null : t.toString());
        }

        Encoder duration(Duration d) {
            return text(d == null ? null : d.toString());
        }

        Encoder value(Object p) {
            if (p == null) {
                return text("null");
            }
            if (p instanceof String s) {
                return text("s").text(s);
            }
            if (p instanceof Number n) {
                return text("n").text(n.toString());
            }
            if (p instanceof Boolean b) {
                return text("b").flag(b);
            }
            if (p instanceof Instant t) {
                return text("t").instant(t);
            }
            if (p instanceof Duration d) {
                return text("d").duration(d);
            }
            if (p instanceof java.util.Set<?> set) {
                java.util.List<String> sorted = new java.util.ArrayList<>();
                set.forEach(x -> sorted.add(String.valueOf(x)));
                java.util.Collections.sort(sorted);
                return text("set").texts(sorted);
            }
            if (p instanceof List<?> list) {
                java.util.List<String> items = new java.util.ArrayList<>();
                list.forEach(x -> items.add(String.valueOf(x)));
                return text("list").texts(items);
            }
            if (p instanceof Requirement r) {
                text("requirement").texts(r.groups()).number(r.quorum().size());
                for (Map.Entry<String, Integer> q : r.quorum().entrySet()) {
                    text(q.getKey()).number(q.getValue());
                }
                return duration(r.ttl());
            }
            throw new IllegalArgumentException("an operation parameter of type " + p.getClass().getName() + " cannot be signed");
        }

        String mac(byte[] key) {
            return HexFormat.of().formatHex(ClusterSecret.mac(key, bytes.toByteArray()));
        }
    }
}
