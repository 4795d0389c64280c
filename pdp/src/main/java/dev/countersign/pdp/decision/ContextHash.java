package dev.countersign.pdp.decision;

import dev.countersign.cluster.ClusterSecret;
import dev.countersign.rules.json.ActionContextJson;
import java.io.OutputStream;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hash of an action context that clients see and the audit log keeps ({@code input_hash},
 * {@code context_hash}), and that grants and asks are bound to: {@code hmac-sha256:<hex>} of the
 * context's canonical form under a key derived from the cluster secret. Keyed, so that a value the
 * audit mask hid cannot be recovered by hashing guesses (a four-digit secret takes a fraction of a
 * second against a plain SHA-256); the same on every node of a cluster, so a grant asked for on one
 * node is redeemed on any. The same context, whatever its key order on the wire, hashes the same.
 */
public final class ContextHash {
    public static final String PREFIX = "hmac-sha256:";

    private final ThreadLocal<Mac> macs;

    public ContextHash(ClusterSecret secret) {
        byte[] key = secret.key("context-hash");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac;
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
            }
        });
    }

    /**
     * The keyed hash of a context's wire form, as {@link ActionContextJson#toTree} gives it: its
     * canonical form ({@link ActionContextJson#canonical}) written straight into the MAC.
     */
    public String of(Map<String, Object> tree) {
        Mac mac = macs.get();
        ActionContextJson.writeCanonical(tree, new MacInput(mac));
        return PREFIX + HexFormat.of().formatHex(mac.doFinal());
    }

    /** The bytes written, fed to a MAC. */
    private static final class MacInput extends OutputStream {
        private final Mac mac;

        MacInput(Mac mac) {
            this.mac = mac;
        }

        @Override
        public void write(int b) {
            mac.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            mac.update(b, off, len);
        }
    }
}
