package dev.countersign.cluster.member;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.MemberContext;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each node publishes to the whole cluster under one name (its attestation public keys, its
 * latest audit checkpoint), in a replicated map keyed by node name. Entries are sealed: an HMAC, under
 * a key derived from the cluster secret for this map, of the node name and the value, so something on
 * the cluster network without the secret cannot add or change one (a forged public key would make
 * forged attestations verify). An entry stays when its node leaves or dies: what it signed must still
 * verify, and its last checkpoint is what its log is checked against. A reader never fails on what
 * another wrote: an entry that fails its seal is left out, logged and counted as tampering.
 */
public final class MemberPublications {
    private static final Logger LOG = LoggerFactory.getLogger(MemberPublications.class);

    /** One node's published value and its seal. */
    public record Sealed(String node, String value, String seal) implements Serializable {
    }

    private final HazelcastInstance hazelcast;
    private final ReplicatedMap<String, Sealed> entries;
    private final byte[] key;
    private final String map;

    public MemberPublications(HazelcastInstance hazelcast, ClusterSecret secret, String map) {
        this.hazelcast = hazelcast;
        this.map = map;
        this.entries = hazelcast.getReplicatedMap(map);
        this.key = secret.key("publication:" + map);
    }

    /** Publishes {@code value} as {@code node}'s (replacing its earlier one). Blocks on the cluster briefly: off the event loop. */
    public void publish(String node, String value) {
        entries.put(node, new Sealed(node, value, seal(node, value)));
    }

    /** {@code node}'s value, or null when it published none (or its entry fails its seal). */
    public String of(String node) {
        Object e = ((ReplicatedMap<?, ?>) entries).get(node);
        return e == null ? null : verified(node, e);
    }

    /** Every node's value that passes its seal, by node name. */
    public Map<String, String> all() {
        Map<String, String> found = new TreeMap<>();
        for (Map.Entry<?, ?> e : ((ReplicatedMap<?, ?>) entries).entrySet()) {
            String value = e.getKey() instanceof String node ? verified(node, e.getValue()) : null;
            if (value != null) {
                found.put((String) e.getKey(), value);
            } else if (!(e.getKey() instanceof String)) {
                tampered(String.valueOf(e.getKey()));
            }
        }
        return found;
    }

    private String verified(String node, Object value) {
        if (value instanceof Sealed s && node.equals(s.node()) && s.value() != null && s.seal() != null
                && MessageDigest.isEqual(seal(node, s.value()).getBytes(StandardCharsets.US_ASCII),
                        s.seal().getBytes(StandardCharsets.US_ASCII))) {
            return s.value();
        }
        tampered(node);
        return null;
    }

    private void tampered(String node) {
        MemberContext context = MemberContext.find(hazelcast);
        if (context != null) {
            context.tampering().count();
        }
        LOG.error("the entry of node {} in {} fails its seal: it was put outside Countersign, so it is left out", node, map);
    }

    private String seal(String node, String value) {
        byte[] data = (node + "\n" + value).getBytes(StandardCharsets.UTF_8);
        return HexFormat.of().formatHex(ClusterSecret.mac(key, data));
    }
}
