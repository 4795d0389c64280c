package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.evidence.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code attestation: {...}}: defaults, files and the environment, and each bad value refused with its key named. */
class AttestationSectionTest {
    @TempDir
    Path dir;

    private ServerConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, env, ConfigLoader.Overrides.NONE);
    }

    @Test
    void defaultsSignRedemptionsWithAGeneratedKey() throws Exception {
        ServerConfig.Attestation a = load("server: {port: 8181}", Map.of()).attestation();
        assertNull(a.keyFile());
        assertNull(a.keyPem());
        assertEquals(ServerConfig.Sign.APPROVALS, a.sign());
        assertEquals(Duration.ofMinutes(5), a.allowTtl());
        assertEquals(Duration.ofSeconds(1), a.checkpointInterval());
    }

    @Test
    void filesAndTheEnvironmentAreRead() throws Exception {
        Path key = dir.resolve("key.pem");
        Path old = dir.resolve("old.pem");
        Files.writeString(key, SigningKeys.generatePem());
        Files.writeString(old, SigningKeys.generatePem());
        ServerConfig.Attestation a = load("attestation: {key_file: " + key + ", retired_key_files: [" + old + "], sign: all,"
                + " allow_ttl: PT1M, checkpoint_interval: PT0.5S}", Map.of()).attestation();
        assertEquals(key, a.keyFile());
        assertEquals(List.of(old), a.retiredKeyFiles());
        assertEquals(ServerConfig.Sign.ALL, a.sign());
        String pem = SigningKeys.generatePem();
        ServerConfig.Attestation fromEnv = load("server: {port: 8181}", Map.of("COUNTERSIGN_ATTESTATION_KEY", pem)).attestation();
        assertEquals(pem, fromEnv.keyPem());
        assertTrue(!fromEnv.toString().contains("PRIVATE"), "the key is never shown: " + fromEnv);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "attestation: {sign: some}|attestation.sign must be approvals or all",
            "attestation: {key_file: /nonexistent/key.pem}|attestation.key_file /nonexistent/key.pem is not a readable file",
            "attestation: {retired_key_files: [/nonexistent/old.pem]}|attestation.retired_key_files[0]",
            "attestation: {checkpoint_interval: PT2S}|attestation.checkpoint_interval must be longer than zero and at most PT1S",
            "attestation: {allow_ttl: PT0S}|attestation.allow_ttl must be longer than zero",
            "attestation: {keyfile: x}|unknown key 'attestation.keyfile'"})
    void aBadValueIsRefusedNamingItsKey(String yaml, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
