package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code authzen: {pdp_base_url}}: read without its trailing slash, absent by default, refused when it is no http(s) base URL. */
class AuthZenSectionTest {
    @TempDir
    Path dir;

    private ServerConfig load(String yaml) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of(), ConfigLoader.Overrides.NONE);
    }

    @Test
    void theBaseUrlIsReadWithoutItsTrailingSlash() throws Exception {
        assertEquals("https://pdp.example.com/tenant", load("authzen: {pdp_base_url: \"https://pdp.example.com/tenant/\"}").authzen().pdpBaseUrl());
        assertEquals("https://pdp.example.com", load("authzen: {pdp_base_url: \"https://pdp.example.com\"}").withPort(9000).authzen().pdpBaseUrl());
    }

    @Test
    void withoutTheSectionDiscoveryUsesTheRequest() throws Exception {
        assertNull(load("server: {port: 8181}").authzen().pdpBaseUrl());
        assertNull(ConfigLoader.load(null, Map.of(), ConfigLoader.Overrides.NONE).authzen().pdpBaseUrl());
    }

    @Test
    void aBaseUrlThatIsNoHttpUrlOrAnUnknownKeyIsRefused() {
        for (String yaml : new String[]{"authzen: {pdp_base_url: \"ftp://pdp.example.com\"}", "authzen: {pdp_base_url: \"https://pdp.example.com/?a=1\"}",
                "authzen: {pdp_base_url: \"pdp.example.com\"}"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> load(yaml), yaml);
            assertTrue(e.getMessage().contains("authzen.pdp_base_url"), e.getMessage());
        }
        ConfigException unknown = assertThrows(ConfigException.class, () -> load("authzen: {base_url: \"https://pdp.example.com\"}"));
        assertTrue(unknown.getMessage().contains("base_url"), unknown.getMessage());
    }
}
