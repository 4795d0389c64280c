package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code attestation: {key_file, retired_key_files: [...], sign: approvals|all, allow_ttl, checkpoint_interval}}:
 * the key a node signs attestations and audit checkpoints with. Without {@code key_file} the key comes from
 * {@code COUNTERSIGN_ATTESTATION_KEY} (PEM text), else it is generated into the data directory at first start.
 * Every file named must be readable when the configuration is read.
 */
final class AttestationSection {
    static final String KEY_ENV = "COUNTERSIGN_ATTESTATION_KEY";

    private AttestationSection() {
    }

    static ServerConfig.Attestation read(Settings r, JsonNode root, Map<String, String> env) throws ConfigException {
        JsonNode section = r.object(root, "attestation");
        r.keys(section, "attestation", Set.of("key_file", "retired_key_files", "sign", "allow_ttl", "checkpoint_interval"));
        String keyFile = r.text(section, "attestation.key_file", null);
        Path key = keyFile == null ? null : readable(r, keyFile, "attestation.key_file");
        String fromEnv = env.get(KEY_ENV);
        String pem = key == null && fromEnv != null && !fromEnv.isBlank() ? fromEnv : null;
        List<Path> retired = new ArrayList<>();
        List<String> names = r.texts(section, "attestation.retired_key_files");
        for (int i = 0; i < names.size(); i++) {
            retired.add(readable(r, names.get(i), "attestation.retired_key_files[" + i + "]"));
        }
        String sign = r.text(section, "attestation.sign", "approvals");
        ServerConfig.Sign which = switch (sign) {
            case "approvals" -> ServerConfig.Sign.APPROVALS;
            case "all" -> ServerConfig.Sign.ALL;
            default -> throw r.error("attestation.sign must be approvals or all, got " + sign);
        };
        Duration allowTtl = r.duration(section, "attestation.allow_ttl", ServerConfig.Attestation.DEFAULT.allowTtl());
        if (allowTtl.isZero()) {
            throw r.error("attestation.allow_ttl must be longer than zero, such as PT5M");
        }
        Duration interval = r.duration(section, "attestation.checkpoint_interval", ServerConfig.Attestation.DEFAULT.checkpointInterval());
        if (interval.isZero() || interval.compareTo(Duration.ofSeconds(1)) > 0) {
            throw r.error("attestation.checkpoint_interval must be longer than zero and at most PT1S, got " + interval);
        }
        return new ServerConfig.Attestation(key, pem, retired, which, allowTtl, interval);
    }

    private static Path readable(Settings r, String file, String at) throws ConfigException {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw r.error(at + " " + file + " is not a readable file");
        }
        return path;
    }
}
