package dev.countersign.pdp.evidence;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.countersign.cluster.member.MemberPublications;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation public keys of every node of the cluster, for {@code GET /.well-known/jwks.json}:
 * each node publishes its current and retired public keys (sealed, {@link MemberPublications}), and
 * every node serves them all, so a token or checkpoint signed on any node, now or before a rotation,
 * verifies against the JWKS of any. A node that left keeps its entry. Reads and writes the cluster:
 * call it off the event loop.
 */
public final class PublishedKeys {
    public static final String MAP = "countersign.attestation-keys";
    private static final Logger LOG = LoggerFactory.getLogger(PublishedKeys.class);

    private final SigningKeys keys;
    private final String node;
    private final MemberPublications board;

    public PublishedKeys(SigningKeys keys, String node, MemberPublications board) {
        this.keys = keys;
        this.node = node;
        this.board = board;
    }

    /** Publishes this node's public keys, keeping the ones it published before (a rotation without retired_key_files loses none). */
    public void publish() {
        Map<String, JWK> mine = new LinkedHashMap<>();
        for (JWK k : keys.publicKeys().getKeys()) {
            mine.put(k.getKeyID(), k);
        }
        String before = board == null ? null : board.of(node);
        if (before != null) {
            try {
                for (JWK k : JWKSet.parse(before).getKeys()) {
                    mine.putIfAbsent(k.getKeyID(), k.toPublicJWK());
                }
            } catch (ParseException e) {
                LOG.warn("the keys node {} published before cannot be read; they are replaced", node);
            }
        }
        if (board != null) {
            board.publish(node, new JWKSet(new ArrayList<>(mine.values())).toString(true));
        }
    }

    /** Every public key known in the cluster, this node's first; each key id once. */
    public JWKSet all() {
        Map<String, JWK> found = new LinkedHashMap<>();
        for (JWK k : keys.publicKeys().getKeys()) {
            found.put(k.getKeyID(), k);
        }
        if (board != null) {
            board.all().forEach((other, json) -> {
                try {
                    for (JWK k : JWKSet.parse(json).getKeys()) {
                        found.putIfAbsent(k.getKeyID(), k.toPublicJWK());
                    }
                } catch (ParseException e) {
                    LOG.warn("the keys node {} published cannot be read; they are left out", other);
                }
            });
        }
        List<JWK> list = new ArrayList<>(found.values());
        return new JWKSet(list);
    }
}
