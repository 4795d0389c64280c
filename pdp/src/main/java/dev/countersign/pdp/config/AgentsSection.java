package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code mcp: {servers: [{name, upstream, package, timeout}], wait_for_approval, progress_interval}}
 * and {@code hooks: {wait_for_approval}}: the MCP servers the node fronts at {@code /mcp/{name}},
 * and how long a held tool call (through MCP or an agent's hook) waits for its reviewers.
 */
final class AgentsSection {
    /** A server name is one URL path segment. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private AgentsSection() {
    }

    static ServerConfig.Agents read(Settings r, JsonNode root) throws ConfigException {
        JsonNode mcp = r.object(root, "mcp");
        r.keys(mcp, "mcp", Set.of("servers", "wait_for_approval", "progress_interval"));
        JsonNode hooks = r.object(root, "hooks");
        r.keys(hooks, "hooks", Set.of("wait_for_approval"));
        List<ServerConfig.McpServer> servers = new ArrayList<>();
        JsonNode list = mcp.get("servers");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw r.error("mcp.servers must be a list of {name, upstream, package}");
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                String at = "mcp.servers[" + i + "]";
                JsonNode s = list.get(i);
                if (!s.isObject()) {
                    throw r.error(at + " must be a mapping such as {name: files, upstream: \"http://127.0.0.1:7301/mcp\"}");
                }
                r.keys(s, at, Set.of("name", "upstream", "package", "timeout"));
                String name = r.required(s, at + ".name");
                if (!NAME.matcher(name).matches()) {
                    throw r.error(at + ".name \"" + name + "\" must be letters, digits, '.', '_' or '-' (it is a path segment of /mcp/{name})");
                }
                if (!names.add(name)) {
                    throw r.error(at + ".name " + name + " is used twice");
                }
                String upstream = r.required(s, at + ".upstream");
                URI uri;
                try {
                    uri = new URI(upstream);
                } catch (URISyntaxException e) {
                    throw r.error(at + ".upstream \"" + upstream + "\" is not a URL");
                }
                if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                    throw r.error(at + ".upstream \"" + upstream + "\" must be an absolute http or https URL");
                }
                Duration timeout = r.duration(s, at + ".timeout", ServerConfig.McpServer.DEFAULT_TIMEOUT);
                if (timeout.isZero()) {
                    throw r.error(at + ".timeout must be longer than zero");
                }
                servers.add(new ServerConfig.McpServer(name, uri, r.text(s, at + ".package", ""), timeout));
            }
        }
        Duration mcpWait = r.duration(mcp, "mcp.wait_for_approval", ServerConfig.Agents.DEFAULT.mcpWait());
        Duration progress = r.duration(mcp, "mcp.progress_interval", ServerConfig.Agents.DEFAULT.progressInterval());
        if (progress.isZero()) {
            throw r.error("mcp.progress_interval must be longer than zero");
        }
        Duration hookWait = r.duration(hooks, "hooks.wait_for_approval", ServerConfig.Agents.DEFAULT.hookWait());
        return new ServerConfig.Agents(servers, mcpWait, progress, hookWait);
    }
}
