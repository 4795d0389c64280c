package dev.countersign.pdp.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.pdp.decision.InputMask;
import dev.countersign.rules.engine.CacheBounds;
import dev.countersign.rules.engine.PolicyCompiler;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code countersign.yaml}. Keys (all optional; these are the defaults):
 * <pre>
 * server: {host: 127.0.0.1, port: 8181, event_loops: 2, max_body_bytes: 1048576, max_depth: 32, node: "host:port",
 *          public_url: "https://countersign.example.com"}   # for links on cards; default: none
 * bundle: policies
 * data_dir: data
 * clients:
 *   - {name: gateway, token_sha256: "&lt;hex sha256 of the bearer token&gt;", scopes: [decide]}
 *   - {name: carol-cli, token_sha256: "...", scopes: [review], reviewer: carol@example.com}
 *   - {name: etl-agent, token_sha256: "...", scopes: [decide],
 *      actor: {id: "agent:etl-bot", type: agent, on_behalf_of: alice@example.com}}   # who its MCP calls and hooks are decided as
 * audit: {mask: ["/action/command"], max_file_bytes: 67108864, on_failure: refuse, fsync: interval}
 * reload: {watch: true, debounce: PT0.3S}
 * forward_auth: {identity_header: X-Forwarded-User, actor_type: human, package: "", trusted_sources: [], trusted_hops: 1}
 * decisions: {retention: PT24H, max_records: 100000}
 * engine: {decision_cache: 10000,      # decisions remembered per revision; 0 evaluates every one
 *          decision_cache_bytes: 67108864,  # and the heap they may take, by an estimate that errs high
 *          max_evaluation_time: PT0.05S}   # an evaluation still running after this is cut off: deny, with an error reason
 * cluster: {name: countersign, host: 127.0.0.1, port: 5701, members: ["127.0.0.1:5701", "127.0.0.1:5702"],
 *           min_members: 1}   # default: a majority of the members when three or more are listed
 *          # or kubernetes: {service_name: countersign, namespace: security}
 * reviewers:
 *   security: [{id: carol@example.com, slack: U0CAROL, teams: "6f1c...-aad-object-id"}, {id: dan@example.com}]
 * approvals: {callback_secret: "${CALLBACK_SECRET}", max_wait: PT5M, sweep_interval: PT1S,
 *             callback_hosts: [],   # empty: any host with public addresses only
 *             max_pending_per_client: 1000, max_ttl: PT24H, max_context_bytes: 65536, max_waiters: 10000}
 * connectors:
 *   slack: {bot_token: "${SLACK_BOT_TOKEN}", signing_secret: "${SLACK_SIGNING_SECRET}", api_base: "https://slack.com/api",
 *           team_id: T0123ABCD}     # default: the workspace of the bot token
 *   webhook: {secret: "${WEBHOOK_SECRET}", hosts: []}
 * routes:                            # where each group's approvals are shown; "*" for every other group
 *   security: ["slack:C0SECURITY", "webhook:https://hooks.example.com/countersign"]
 *   "*": ["slack:C0APPROVALS"]
 * reminders: {after: PT15M, every: PT30M, escalate_to: {security: ["slack:C0SECLEADS"]}}
 * authzen: {pdp_base_url: "https://pdp.example.com"}   # announced by AuthZEN discovery; default: the request's scheme and host
 * ext_authz: {host: 127.0.0.1, port: 9191,   # Envoy's ext_authz gRPC service; off without this section
 *             tls: {certificate_file: tls/cert.pem, key_file: tls/key.pem}}   # default: plain text
 * mcp:                               # MCP servers fronted at /mcp/{name}; every tools/call is decided first
 *   servers: [{name: files, upstream: "http://127.0.0.1:7301/mcp", package: "", timeout: PT30S}]
 *   wait_for_approval: PT25S         # a held tools/call waits this long for reviewers, then answers "pending"
 *   progress_interval: PT5S          # progress notifications while it waits, when the client gave a progress token
 * hooks: {wait_for_approval: PT25S}  # POST /v1/hooks/pre-tool-use: the same, for agents' pre-tool-use hooks
 * store: {kind: embedded}   # a node alone: an H2 file database in data_dir (the default); memory: none
 *        # a cluster must name one: postgres (shared by every member), or kind: memory
 *        # postgres: {url: "jdbc:postgresql://db:5432/countersign", user: countersign, password: "${PG_PASSWORD}", pool: 8}
 * </pre>
 * Any string value may be {@code ${NAME}} or {@code ${NAME:-default}}: it is read from the environment,
 * so every secret can be kept out of the file. The environment variables {@code COUNTERSIGN_HOST},
 * {@code COUNTERSIGN_PORT}, {@code COUNTERSIGN_BUNDLE}, {@code COUNTERSIGN_DATA_DIR} and
 * {@code COUNTERSIGN_NODE}, {@code COUNTERSIGN_CLUSTER_PORT} and {@code COUNTERSIGN_CLUSTER_MEMBERS}
 * (comma-separated) override the file; command-line flags override both. Unknown keys are
 * errors, so a misspelt key never silently falls back to a default. Relative paths are relative to
 * the working directory.
 */
public final class ConfigLoader {
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private ConfigLoader() {
    }

    /** Values given on the command line; null when not given. */
    public record Overrides(String host, Integer port, Path bundle, Path dataDir, Integer clusterPort) {
        public static final Overrides NONE = new Overrides(null, null, null, null, null);

        public Overrides(String host, Integer port, Path bundle, Path dataDir) {
            this(host, port, bundle, dataDir, null);
        }
    }

    public static ServerConfig load(Path file, Map<String, String> env, Overrides flags) throws ConfigException {
        String source = file == null ? "configuration" : file.toString();
        JsonNode root = file == null ? Settings.YAML.createObjectNode() : read(file);
        if (root.isMissingNode() || root.isNull()) {
            root = Settings.YAML.createObjectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": expected a mapping of settings at the top level");
        }
        substitute(root, "", env, source);
        Settings r = new Settings(source);
        r.keys(root, "", Set.of("server", "bundle", "data_dir", "clients", "audit", "reload", "forward_auth", "decisions",
                "cluster", "reviewers", "approvals", "engine", "connectors", "routes", "reminders",
                "authzen", "ext_authz", "mcp", "hooks", "attestation", "store"));
        JsonNode server = r.object(root, "server");
        r.keys(server, "server", Set.of("host", "port", "event_loops", "max_body_bytes", "max_depth", "node", "public_url"));
        String host = first(flags.host(), env.get("COUNTERSIGN_HOST"), r.text(server, "server.host", "127.0.0.1"));
        int port = flags.port() != null ? flags.port()
                : env.containsKey("COUNTERSIGN_PORT") ? parsePort(env.get("COUNTERSIGN_PORT"), "COUNTERSIGN_PORT")
                : r.integer(server, "server.port", 8181);
        if (port < 0 || port > 65535) {
            throw r.error("server.port " + port + " is not a port number (0-65535; 0 picks a free port)");
        }
        int eventLoops = r.integer(server, "server.event_loops", Math.max(1, Runtime.getRuntime().availableProcessors()));
        long maxBody = r.integer(server, "server.max_body_bytes", 1024 * 1024);
        int maxDepth = r.integer(server, "server.max_depth", 32);
        if (eventLoops < 1 || maxBody < 1 || maxDepth < 2) {
            throw r.error("server.event_loops, server.max_body_bytes and server.max_depth must be positive (max_depth at least 2)");
        }
        Path bundle = flags.bundle() != null ? flags.bundle()
                : Path.of(first(null, env.get("COUNTERSIGN_BUNDLE"), r.text(root, "bundle", "policies")));
        Path dataDir = flags.dataDir() != null ? flags.dataDir()
                : Path.of(first(null, env.get("COUNTERSIGN_DATA_DIR"), r.text(root, "data_dir", "data")));
        List<ClientConfig> clients = ClientsSection.read(r, root.get("clients"));

        JsonNode audit = r.object(root, "audit");
        r.keys(audit, "audit", Set.of("mask", "max_file_bytes", "on_failure", "fsync"));
        List<String> mask = r.texts(audit, "audit.mask");
        for (int i = 0; i < mask.size(); i++) {
            String why = InputMask.invalidPointer(mask.get(i));
            if (why != null) {
                throw r.error("audit.mask[" + i + "] \"" + mask.get(i) + "\" " + why);
            }
        }
        long auditMax = r.integer(audit, "audit.max_file_bytes", 64L * 1024 * 1024);
        String onFailure = r.text(audit, "audit.on_failure", "refuse");
        if (!onFailure.equals("refuse") && !onFailure.equals("allow")) {
            throw r.error("audit.on_failure must be refuse (decisions are refused while the audit log cannot take their records)"
                    + " or allow (they are answered and the records counted as dropped), not " + onFailure);
        }
        String fsync = r.text(audit, "audit.fsync", "interval");
        if (!fsync.equals("interval") && !fsync.equals("per_batch")) {
            throw r.error("audit.fsync must be interval (records are forced to disk at least every second) or per_batch"
                    + " (a decision is answered only once its record is forced to disk), not " + fsync);
        }

        JsonNode reload = r.object(root, "reload");
        r.keys(reload, "reload", Set.of("watch", "debounce"));
        boolean watch = r.bool(reload, "reload.watch", true);
        Duration debounce = r.duration(reload, "reload.debounce", Duration.ofMillis(300));

        ServerConfig.ForwardAuth forwardAuth = ForwardAuthSection.read(r, r.object(root, "forward_auth"), clients);

        JsonNode decisions = r.object(root, "decisions");
        r.keys(decisions, "decisions", Set.of("retention", "max_records"));
        Duration retention = r.duration(decisions, "decisions.retention", Duration.ofHours(24));
        int maxRecords = r.integer(decisions, "decisions.max_records", 100_000);

        String node = first(null, env.get("COUNTERSIGN_NODE"), r.text(server, "server.node", defaultNode(port)));
        ClusterSettings cluster = ClusterSection.read(r, r.object(root, "cluster"), env, flags.clusterPort());
        ReviewerDirectory reviewers = ReviewersSection.read(r, root.get("reviewers"));
        for (ClientConfig c : clients) {
            if (c.reviewer() != null && !reviewers.knows(c.reviewer())) {
                throw r.error("client " + c.name() + " votes as reviewer " + c.reviewer() + ", who is in no group of reviewers");
            }
        }
        ServerConfig.Approvals approvalSettings = ApprovalsSection.read(r, r.object(root, "approvals"));
        JsonNode engine = r.object(root, "engine");
        r.keys(engine, "engine", Set.of("decision_cache", "decision_cache_bytes", "max_evaluation_time"));
        int cacheSize = r.integer(engine, "engine.decision_cache", PolicyCompiler.DEFAULT_CACHE_SIZE);
        if (cacheSize < 0) {
            throw r.error("engine.decision_cache must be 0 (off) or more");
        }
        long cacheBytes = r.integer(engine, "engine.decision_cache_bytes", CacheBounds.DEFAULT_BYTES);
        if (cacheBytes < 1) {
            throw r.error("engine.decision_cache_bytes must be positive (turn the cache off with engine.decision_cache: 0)");
        }
        Duration maxEvaluationTime = r.duration(engine, "engine.max_evaluation_time", PolicyCompiler.DEFAULT_MAX_EVALUATION_TIME);
        if (maxEvaluationTime.isZero()) {
            throw r.error("engine.max_evaluation_time must be longer than zero, such as PT0.05S");
        }
        ChatSettings chat = ChatSection.read(r, root);
        ServerConfig.ExtAuthz extAuthz = ExtAuthzSection.read(r, root);
        return new ServerConfig(host, port, eventLoops, maxBody, maxDepth, bundle, dataDir, clients, mask, auditMax, watch,
                debounce, forwardAuth, retention, maxRecords, node, cluster, reviewers, approvalSettings, cacheSize, maxEvaluationTime, chat,
                new ServerConfig.Audit(onFailure.equals("refuse"), fsync.equals("per_batch") ? AuditLog.Fsync.PER_BATCH : AuditLog.Fsync.INTERVAL), cacheBytes,
                AuthZenSection.read(r, root), extAuthz, AgentsSection.read(r, root), AttestationSection.read(r, root, env),
                StoreSection.read(r, root, cluster));
    }

    private static JsonNode read(Path file) throws ConfigException {
        try {
            return Settings.YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such configuration file");
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : ":" + loc.getLineNr() + ":" + loc.getColumnNr();
            throw new ConfigException(file + where + ": not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
    }

    /** Replaces {@code ${NAME}} and {@code ${NAME:-default}} in every string value. */
    private static void substitute(JsonNode node, String path, Map<String, String> env, String source) throws ConfigException {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            fields.forEachRemaining(entries::add);
            for (Map.Entry<String, JsonNode> e : entries) {
                String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getValue().isTextual()) {
                    ((ObjectNode) node).set(e.getKey(), new TextNode(expand(e.getValue().asText(), at, env, source)));
                } else {
                    substitute(e.getValue(), at, env, source);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                String at = path + "[" + i + "]";
                if (item.isTextual()) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, new TextNode(expand(item.asText(), at, env, source)));
                } else {
                    substitute(item, at, env, source);
                }
            }
        }
    }

    private static String expand(String value, String at, Map<String, String> env, String source) throws ConfigException {
        Matcher m = ENV_REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = env.get(m.group(1));
            if (replacement == null) {
                replacement = m.group(2);
            }
            if (replacement == null) {
                throw new ConfigException(source + ": " + at + " refers to the environment variable " + m.group(1) + ", which is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String first(String a, String b, String c) {
        return a != null ? a : b != null && !b.isBlank() ? b : c;
    }

    static int parsePort(String value, String name) throws ConfigException {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + "=" + value + " is not a port number");
        }
    }

    private static String defaultNode(int port) {
        try {
            return InetAddress.getLocalHost().getHostName() + ":" + port;
        } catch (IOException e) {
            return "localhost:" + port;
        }
    }

}
