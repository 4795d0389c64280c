package dev.countersign.pdp.evidence;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.member.MemberPublications;
import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.pdp.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;

/**
 * What a node signs with and writes its evidence to: its attestation keys ({@code attestation}), as
 * published to the cluster, and its audit log, whose checkpoints those keys sign.
 */
public record NodeEvidence(SigningKeys keys, PublishedKeys published, AuditLog audit) {

    /**
     * Loads (or, at first start, generates) the node's keys, publishes their public halves to the
     * cluster and opens the audit log in the data directory. Blocks: call it off the event loop.
     *
     * @throws IllegalStateException when the configured key cannot be used
     */
    public static NodeEvidence open(ServerConfig config, HazelcastInstance hazelcast, ClusterSecret secret) throws IOException {
        ServerConfig.Attestation attestation = config.attestation();
        Files.createDirectories(config.dataDir());
        SigningKeys keys;
        try {
            keys = SigningKeys.load(attestation.keyFile(), attestation.keyPem(), attestation.retiredKeyFiles(), config.dataDir());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot use the attestation key: " + e.getMessage(), e);
        }
        PublishedKeys published = new PublishedKeys(keys, config.node(), new MemberPublications(hazelcast, secret, PublishedKeys.MAP));
        published.publish();
        AuditLog.Options defaults = AuditLog.Options.defaults();
        AuditLog audit = AuditLog.open(config.dataDir().resolve("audit"),
                new AuditLog.Options(config.auditMaxFileBytes(), defaults.flushInterval(), defaults.maxQueued(), config.audit().fsync()),
                new CheckpointSigner(keys, config.node()), attestation.checkpointInterval());
        return new NodeEvidence(keys, published, audit);
    }
}
