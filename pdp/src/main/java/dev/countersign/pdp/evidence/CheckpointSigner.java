package dev.countersign.pdp.evidence;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.countersign.pdp.audit.Checkpoints;
import java.time.Instant;
import java.util.Date;

/** Signs the audit log's checkpoints with the node's attestation key (see {@link Checkpoints} for the claims). */
public final class CheckpointSigner implements Checkpoints.Signer {
    private final SigningKeys keys;
    private final String node;

    public CheckpointSigner(SigningKeys keys, String node) {
        this.keys = keys;
        this.node = node;
    }

    @Override
    public String sign(String kind, long seq, String hash, Instant time) {
        return keys.sign(Checkpoints.TYPE, new JWTClaimsSet.Builder().issuer(Attestor.ISSUER).issueTime(Date.from(time))
                .claim("node", node).claim("kind", kind).claim("seq", seq).claim("hash", hash).build());
    }

    @Override
    public String node() {
        return node;
    }
}
