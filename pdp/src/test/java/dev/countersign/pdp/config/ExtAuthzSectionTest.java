package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ext_authz}: off without the section, its defaults, TLS files both or neither, bad keys named. */
class ExtAuthzSectionTest {
    @TempDir
    Path dir;

    private ServerConfig load(String yaml) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of(), ConfigLoader.Overrides.NONE);
    }

    @Test
    void offWithoutTheSection() throws Exception {
        assertNull(load("bundle: policies\n").extAuthz());
    }

    @Test
    void theSectionAloneServesPlainTextOnLoopback9191() throws Exception {
        ServerConfig.ExtAuthz e = load("ext_authz: {}\n").extAuthz();
        assertEquals(new ServerConfig.ExtAuthz("127.0.0.1", 9191), e);
        assertFalse(e.tls());
        ServerConfig.ExtAuthz other = load("ext_authz: {host: 0.0.0.0, port: 19191}\n").extAuthz();
        assertEquals("0.0.0.0", other.host());
        assertEquals(19191, other.port());
        assertEquals(19191, load("ext_authz: {port: 19191}\n").withPort(9000).extAuthz().port(), "kept by the with-methods");
    }

    @Test
    void tlsNeedsBothReadableFiles() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
        ServerConfig.ExtAuthz e = load("ext_authz: {tls: {certificate_file: \"" + cert + "\", key_file: \"" + key + "\"}}\n").extAuthz();
        assertTrue(e.tls());
        assertEquals(cert, e.certificate());

        ConfigException half = assertThrows(ConfigException.class, () -> load("ext_authz: {tls: {certificate_file: \"" + cert + "\"}}\n"));
        assertTrue(half.getMessage().contains("ext_authz.tls needs both certificate_file and key_file"), half.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> load("ext_authz: {tls: {certificate_file: \"" + cert + "\", key_file: \"" + dir.resolve("none.pem") + "\"}}\n"));
        assertTrue(missing.getMessage().contains("ext_authz.tls.key_file"), missing.getMessage());
    }

    @Test
    void badValuesAreNamed() {
        ConfigException port = assertThrows(ConfigException.class, () -> load("ext_authz: {port: 70000}\n"));
        assertTrue(port.getMessage().contains("ext_authz.port 70000"), port.getMessage());
        ConfigException key = assertThrows(ConfigException.class, () -> load("ext_authz: {prot: 1}\n"));
        assertTrue(key.getMessage().contains("unknown key 'ext_authz.prot'"), key.getMessage());
        ConfigException shape = assertThrows(ConfigException.class, () -> load("ext_authz: 9191\n"));
        assertTrue(shape.getMessage().contains("ext_authz must be a mapping"), shape.getMessage());
    }
}
