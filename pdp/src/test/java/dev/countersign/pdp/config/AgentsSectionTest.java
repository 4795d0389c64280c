package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code mcp}, {@code hooks} and a client's {@code actor}: defaults, values, and bad ones named by their key. */
class AgentsSectionTest {
    @TempDir
    Path dir;

    private ServerConfig load(String yaml) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of(), ConfigLoader.Overrides.NONE);
    }

    @Test
    void defaultsWithoutTheSections() throws Exception {
        ServerConfig c = load("bundle: policies\n");
        assertEquals(ServerConfig.Agents.DEFAULT, c.agents());
        assertEquals(Duration.ofSeconds(25), c.agents().mcpWait());
        assertEquals(List.of(), c.agents().servers());
    }

    @Test
    void serversWaitsAndActorsAreRead() throws Exception {
        ServerConfig c = load("""
                mcp:
                  servers:
                    - {name: files, upstream: "http://127.0.0.1:7301/mcp", package: "", timeout: PT5S}
                    - {name: git.tools, upstream: "https://git.example.com/mcp", package: agents.git}
                  wait_for_approval: PT40S
                  progress_interval: PT2S
                hooks: {wait_for_approval: PT10S}
                clients:
                  - {name: coder, token_sha256: "%s", scopes: [decide], actor: {id: "agent:coder", on_behalf_of: alice@example.com}}
                  - {name: plain, token_sha256: "%s", scopes: [decide]}
                """.formatted("a".repeat(64), "b".repeat(64)));
        assertEquals(new ServerConfig.McpServer("files", URI.create("http://127.0.0.1:7301/mcp"), "", Duration.ofSeconds(5)),
                c.agents().server("files"));
        assertEquals("agents.git", c.agents().server("git.tools").packageName());
        assertEquals(ServerConfig.McpServer.DEFAULT_TIMEOUT, c.agents().server("git.tools").timeout());
        assertEquals(Duration.ofSeconds(40), c.agents().mcpWait());
        assertEquals(Duration.ofSeconds(2), c.agents().progressInterval());
        assertEquals(Duration.ofSeconds(10), c.agents().hookWait());
        assertEquals(new ClientConfig.AgentActor("agent:coder", "agent", "alice@example.com"), c.clients().get(0).agentActor());
        assertEquals(new ClientConfig.AgentActor("plain", "agent", null), c.clients().get(1).agentActor());
        assertEquals(c.agents(), c.withPort(9000).withHost("127.0.0.1").agents(), "kept by the with-methods");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mcp: {servers: [{upstream: 'http://x/mcp'}]}|mcp.servers[0].name is required",
            "mcp: {servers: [{name: 'a/b', upstream: 'http://x/mcp'}]}|mcp.servers[0].name \"a/b\"",
            "mcp: {servers: [{name: a, upstream: 'ftp://x/mcp'}]}|mcp.servers[0].upstream \"ftp://x/mcp\" must be an absolute http or https URL",
            "mcp: {servers: [{name: a, upstream: 'http://x/mcp'}, {name: a, upstream: 'http://y/mcp'}]}|mcp.servers[1].name a is used twice",
            "mcp: {servers: [{name: a, upstream: 'http://x/mcp', timeout: PT0S}]}|mcp.servers[0].timeout must be longer than zero",
            "mcp: {servers: [{name: a, upstream: 'http://x/mcp', colour: red}]}|unknown key 'mcp.servers[0].colour'",
            "mcp: {wait_for_approval: soon}|mcp.wait_for_approval must be an ISO-8601 duration",
            "mcp: {servers: {name: a}}|mcp.servers must be a list",
            "hooks: {wait: PT1S}|unknown key 'hooks.wait'",
            "clients: [{name: c, token_sha256: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', scopes: [decide], actor: {id: x, role: y}}]|unknown key 'clients[0].actor.role'",
            "clients: [{name: c, token_sha256: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', scopes: [decide], actor: agent}]|clients[0].actor must be a mapping"})
    void badValuesAreNamed(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml + "\n"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
