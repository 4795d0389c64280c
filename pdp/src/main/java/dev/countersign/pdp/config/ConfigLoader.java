package dev.countersign.pdp.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.approval.CallbackDestinations;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code countersign.yaml}. Keys (all optional; these are the defaults):
 * <pre>
 * server: {host: 127.0.0.1, port: 8181, event_loops: 2, max_body_bytes: 1048576, max_depth: 32, node: "host:port"}
 * bundle: policies
 * data_dir: data
 * clients:
 *   - {name: gateway, token_sha256: "&lt;hex sha256 of the bearer token&gt;", scopes: [decide]}
 *   - {name: carol-cli, token_sha256: "...", scopes: [review], reviewer: carol@example.com}
 * audit: {mask: ["/action/command"], max_file_bytes: 67108864}
 * reload: {watch: true, debounce: PT0.3S}
 * forward_auth: {identity_header: X-Forwarded-User, actor_type: human, package: "", trusted_sources: [], trusted_hops: 1}
 * decisions: {retention: PT24H, max_records: 100000}
 * engine: {decision_cache: 10000}      # decisions remembered per revision; 0 evaluates every one
 * cluster: {name: countersign, host: 127.0.0.1, port: 5701, members: ["127.0.0.1:5701", "127.0.0.1:5702"],
 *           min_members: 1}   # default: a majority of the members when three or more are listed
 *          # or kubernetes: {service_name: countersign, namespace: security}
 * reviewers:
 *   security: [{id: carol@example.com, slack: U0CAROL, teams: "6f1c...-aad-object-id"}, {id: dan@example.com}]
 * approvals: {callback_secret: "${CALLBACK_SECRET}", max_wait: PT5M, sweep_interval: PT1S,
 *             callback_hosts: []}   # empty: any host with public addresses only
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
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

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
        JsonNode root = file == null ? YAML.createObjectNode() : read(file);
        if (root.isMissingNode() || root.isNull()) {
            root = YAML.createObjectNode();
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": expected a mapping of settings at the top level");
        }
        substitute(root, "", env, source);
        Reader r = new Reader(source);
        r.keys(root, "", Set.of("server", "bundle", "data_dir", "clients", "audit", "reload", "forward_auth", "decisions",
                "cluster", "reviewers", "approvals", "engine"));
        JsonNode server = r.object(root, "server");
        r.keys(server, "server", Set.of("host", "port", "event_loops", "max_body_bytes", "max_depth", "node"));
        String host = first(flags.host(), env.get("COUNTERSIGN_HOST"), r.text(server, "server.host", "127.0.0.1"));
        int port = flags.port() != null ? flags.port()
                : env.containsKey("COUNTERSIGN_PORT") ? parsePort(env.get("COUNTERSIGN_PORT"), "COUNTERSIGN_PORT")
                : r.integer(server, "server.port", 8181);
        if (port < 0 || port > 65535) {
            throw new ConfigException(source + ": server.port " + port + " is not a port number (0-65535; 0 picks a free port)");
        }
        int eventLoops = r.integer(server, "server.event_loops", Math.max(1, Runtime.getRuntime().availableProcessors()));
        long maxBody = r.integer(server, "server.max_body_bytes", 1024 * 1024);
        int maxDepth = r.integer(server, "server.max_depth", 32);
        if (eventLoops < 1 || maxBody < 1 || maxDepth < 2) {
            throw new ConfigException(source + ": server.event_loops, server.max_body_bytes and server.max_depth must be positive (max_depth at least 2)");
        }
        Path bundle = flags.bundle() != null ? flags.bundle()
                : Path.of(first(null, env.get("COUNTERSIGN_BUNDLE"), r.text(root, "bundle", "policies")));
        Path dataDir = flags.dataDir() != null ? flags.dataDir()
                : Path.of(first(null, env.get("COUNTERSIGN_DATA_DIR"), r.text(root, "data_dir", "data")));
        List<ClientConfig> clients = clients(r, root.get("clients"));

        JsonNode audit = r.object(root, "audit");
        r.keys(audit, "audit", Set.of("mask", "max_file_bytes"));
        List<String> mask = r.texts(audit, "audit.mask");
        for (String pointer : mask) {
            if (!pointer.startsWith("/")) {
                throw new ConfigException(source + ": audit.mask entry \"" + pointer + "\" is not a JSON pointer (it starts with /, e.g. /action/command)");
            }
        }
        long auditMax = r.integer(audit, "audit.max_file_bytes", 64L * 1024 * 1024);

        JsonNode reload = r.object(root, "reload");
        r.keys(reload, "reload", Set.of("watch", "debounce"));
        boolean watch = r.bool(reload, "reload.watch", true);
        Duration debounce = r.duration(reload, "reload.debounce", Duration.ofMillis(300));

        JsonNode forward = r.object(root, "forward_auth");
        r.keys(forward, "forward_auth", Set.of("identity_header", "actor_type", "package", "trusted_sources", "trusted_hops"));
        int trustedHops = r.integer(forward, "forward_auth.trusted_hops", 1);
        if (trustedHops < 1) {
            throw new ConfigException(source + ": forward_auth.trusted_hops must be at least 1 (the gateway itself)");
        }
        ServerConfig.ForwardAuth forwardAuth = new ServerConfig.ForwardAuth(
                r.text(forward, "forward_auth.identity_header", "X-Forwarded-User"),
                r.text(forward, "forward_auth.actor_type", "human"),
                r.text(forward, "forward_auth.package", ""),
                r.texts(forward, "forward_auth.trusted_sources"),
                trustedHops);
        for (String cidr : forwardAuth.trustedSources()) {
            if (!Cidr.isValid(cidr)) {
                throw new ConfigException(source + ": forward_auth.trusted_sources entry \"" + cidr + "\" is not an address or CIDR block such as 10.0.0.0/8");
            }
        }

        JsonNode decisions = r.object(root, "decisions");
        r.keys(decisions, "decisions", Set.of("retention", "max_records"));
        Duration retention = r.duration(decisions, "decisions.retention", Duration.ofHours(24));
        int maxRecords = r.integer(decisions, "decisions.max_records", 100_000);

        String node = first(null, env.get("COUNTERSIGN_NODE"), r.text(server, "server.node", defaultNode(port)));
        ClusterSettings cluster = cluster(r, r.object(root, "cluster"), env, flags.clusterPort());
        ReviewerDirectory reviewers = reviewers(r, root.get("reviewers"));
        for (ClientConfig c : clients) {
            if (c.reviewer() != null && !reviewers.knows(c.reviewer())) {
                throw new ConfigException(source + ": client " + c.name() + " votes as reviewer " + c.reviewer()
                        + ", who is in no group of reviewers");
            }
        }
        JsonNode approvals = r.object(root, "approvals");
        r.keys(approvals, "approvals", Set.of("callback_secret", "max_wait", "sweep_interval", "callback_hosts"));
        String secret = r.text(approvals, "approvals.callback_secret", null);
        if (secret != null && secret.length() < 16) {
            throw new ConfigException(source + ": approvals.callback_secret must be at least 16 characters");
        }
        List<String> callbackHosts = r.texts(approvals, "approvals.callback_hosts");
        for (String h : callbackHosts) {
            String why = CallbackDestinations.invalidEntry(h);
            if (why != null) {
                throw new ConfigException(source + ": approvals.callback_hosts: " + why);
            }
        }
        ServerConfig.Approvals approvalSettings = new ServerConfig.Approvals(secret,
                r.duration(approvals, "approvals.max_wait", Duration.ofMinutes(5)),
                r.duration(approvals, "approvals.sweep_interval", Duration.ofSeconds(1)), callbackHosts);
        JsonNode engine = r.object(root, "engine");
        r.keys(engine, "engine", Set.of("decision_cache"));
        int cacheSize = r.integer(engine, "engine.decision_cache", dev.countersign.rules.engine.PolicyCompiler.DEFAULT_CACHE_SIZE);
        if (cacheSize < 0) {
            throw new ConfigException(source + ": engine.decision_cache must be 0 (off) or more");
        }
        return new ServerConfig(host, port, eventLoops, maxBody, maxDepth, bundle, dataDir, clients, mask, auditMax, watch,
                debounce, forwardAuth, retention, maxRecords, node, cluster, reviewers, approvalSettings, cacheSize);
    }

    private static ClusterSettings cluster(Reader r, JsonNode c, Map<String, String> env, Integer flagPort) throws ConfigException {
        r.keys(c, "cluster", Set.of("name", "host", "port", "members", "kubernetes", "min_members"));
        String name = r.text(c, "cluster.name", "countersign");
        String host = r.text(c, "cluster.host", "127.0.0.1");
        int port = flagPort != null ? flagPort
                : env.containsKey("COUNTERSIGN_CLUSTER_PORT") ? parsePort(env.get("COUNTERSIGN_CLUSTER_PORT"), "COUNTERSIGN_CLUSTER_PORT")
                : r.integer(c, "cluster.port", 5701);
        List<String> members = new ArrayList<>();
        String fromEnv = env.get("COUNTERSIGN_CLUSTER_MEMBERS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            for (String m : fromEnv.split(",")) {
                if (!m.isBlank()) {
                    members.add(m.trim());
                }
            }
        } else {
            members.addAll(r.texts(c, "cluster.members"));
        }
        for (String m : members) {
            if (!m.matches("[^:\\s]+:\\d{1,5}")) {
                throw new ConfigException(r.source + ": cluster member \"" + m + "\" must be host:port, e.g. 127.0.0.1:5701 (no ranges)");
            }
        }
        ClusterSettings.Kubernetes kubernetes = null;
        JsonNode k = c.get("kubernetes");
        if (k != null && !k.isNull()) {
            r.keys(k, "cluster.kubernetes", Set.of("service_name", "namespace"));
            kubernetes = new ClusterSettings.Kubernetes(r.required(k, "cluster.kubernetes.service_name"),
                    r.text(k, "cluster.kubernetes.namespace", null));
            if (!members.isEmpty()) {
                throw new ConfigException(r.source + ": cluster.members and cluster.kubernetes exclude each other");
            }
        }
        int minMembers = r.integer(c, "cluster.min_members", ClusterSettings.defaultMinMembers(members));
        if (minMembers < 1) {
            throw new ConfigException(r.source + ": cluster.min_members must be 1 or more");
        }
        if (!members.isEmpty() && minMembers > members.size()) {
            throw new ConfigException(r.source + ": cluster.min_members is " + minMembers + ", more than the " + members.size()
                    + " cluster.members listed; approvals would never be possible");
        }
        return new ClusterSettings(name, host, port, members, kubernetes, minMembers);
    }

    private static ReviewerDirectory reviewers(Reader r, JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return ReviewerDirectory.empty();
        }
        if (!node.isObject()) {
            throw new ConfigException(r.source + ": reviewers must map group names to lists of reviewers");
        }
        Map<String, List<ReviewerDirectory.Reviewer>> groups = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> group = fields.next();
            String at = "reviewers." + group.getKey();
            if (!group.getValue().isArray()) {
                throw new ConfigException(r.source + ": " + at + " must be a list of {id, slack, teams}");
            }
            List<ReviewerDirectory.Reviewer> members = new ArrayList<>();
            int i = 0;
            for (JsonNode m : group.getValue()) {
                String mat = at + "[" + i++ + "]";
                if (!m.isObject()) {
                    throw new ConfigException(r.source + ": " + mat + " must be a mapping such as {id: carol@example.com, slack: U0CAROL}");
                }
                r.keys(m, mat, Set.of("id", "slack", "teams"));
                members.add(new ReviewerDirectory.Reviewer(r.required(m, mat + ".id"), r.text(m, mat + ".slack", null),
                        r.text(m, mat + ".teams", null)));
            }
            groups.put(group.getKey(), members);
        }
        return new ReviewerDirectory(groups);
    }

    private static List<ClientConfig> clients(Reader r, JsonNode list) throws ConfigException {
        List<ClientConfig> clients = new ArrayList<>();
        if (list == null || list.isNull()) {
            return clients;
        }
        if (!list.isArray()) {
            throw new ConfigException(r.source + ": clients must be a list of {name, token_sha256, scopes}");
        }
        Set<String> names = new HashSet<>();
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "clients[" + i + "]";
            JsonNode c = list.get(i);
            if (!c.isObject()) {
                throw new ConfigException(r.source + ": " + at + " must be a mapping with name, token_sha256 and scopes");
            }
            r.keys(c, at, Set.of("name", "token_sha256", "scopes", "reviewer"));
            String name = r.required(c, at + ".name");
            String hash = r.required(c, at + ".token_sha256").toLowerCase();
            if (!SHA256_HEX.matcher(hash).matches()) {
                throw new ConfigException(r.source + ": " + at + ".token_sha256 of client " + name
                        + " must be the hex SHA-256 of its bearer token (64 hex digits), e.g. from: printf %s \"$TOKEN\" | sha256sum");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String s : r.texts(c, at + ".scopes")) {
                Scope scope = Scope.fromWire(s);
                if (scope == null) {
                    throw new ConfigException(r.source + ": " + at + ".scopes: unknown scope \"" + s + "\"; scopes are decide, review, admin");
                }
                scopes.add(scope);
            }
            if (scopes.isEmpty()) {
                throw new ConfigException(r.source + ": " + at + " (" + name + ") has no scopes; give it some of decide, review, admin");
            }
            if (!names.add(name)) {
                throw new ConfigException(r.source + ": client name " + name + " is used twice");
            }
            if (!tokens.add(hash)) {
                throw new ConfigException(r.source + ": " + at + " (" + name + ") has the same token as another client");
            }
            String reviewer = r.text(c, at + ".reviewer", null);
            clients.add(new ClientConfig(name, hash, scopes, reviewer));
        }
        return clients;
    }

    private static JsonNode read(Path file) throws ConfigException {
        try {
            return YAML.readTree(Files.readAllBytes(file));
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

    private static int parsePort(String value, String name) throws ConfigException {
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

    /** Typed reads of a settings tree, with errors naming the key. */
    private static final class Reader {
        final String source;

        Reader(String source) {
            this.source = source;
        }

        void keys(JsonNode node, String at, Set<String> allowed) throws ConfigException {
            if (node == null || node.isMissingNode() || node.isNull()) {
                return;
            }
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw new ConfigException(source + ": unknown key '" + (at.isEmpty() ? name : at + "." + name)
                            + "'; known keys" + (at.isEmpty() ? "" : " of " + at) + " are " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        JsonNode object(JsonNode parent, String key) throws ConfigException {
            JsonNode n = parent.get(key);
            if (n == null || n.isNull()) {
                return YAML.createObjectNode();
            }
            if (!n.isObject()) {
                throw new ConfigException(source + ": " + key + " must be a mapping");
            }
            return n;
        }

        String text(JsonNode parent, String at, String fallback) throws ConfigException {
            JsonNode n = parent.get(leaf(at));
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isValueNode() || n.isBoolean()) {
                throw new ConfigException(source + ": " + at + " must be a string");
            }
            return n.asText();
        }

        String required(JsonNode parent, String at) throws ConfigException {
            String v = text(parent, at, null);
            if (v == null || v.isBlank()) {
                throw new ConfigException(source + ": " + at + " is required");
            }
            return v;
        }

        int integer(JsonNode parent, String at, int fallback) throws ConfigException {
            return (int) integer(parent, at, (long) fallback);
        }

        long integer(JsonNode parent, String at, long fallback) throws ConfigException {
            JsonNode n = parent.get(leaf(at));
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (n.isIntegralNumber()) {
                return n.asLong();
            }
            if (n.isTextual()) {
                try {
                    return Long.parseLong(n.asText().trim());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw new ConfigException(source + ": " + at + " must be a whole number, got " + n);
        }

        boolean bool(JsonNode parent, String at, boolean fallback) throws ConfigException {
            JsonNode n = parent.get(leaf(at));
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (n.isBoolean()) {
                return n.asBoolean();
            }
            if (n.isTextual() && (n.asText().equals("true") || n.asText().equals("false"))) {
                return Boolean.parseBoolean(n.asText());
            }
            throw new ConfigException(source + ": " + at + " must be true or false, got " + n);
        }

        Duration duration(JsonNode parent, String at, Duration fallback) throws ConfigException {
            String text = text(parent, at, null);
            if (text == null) {
                return fallback;
            }
            try {
                Duration d = Duration.parse(text);
                if (d.isNegative()) {
                    throw new ConfigException(source + ": " + at + " must not be negative");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw new ConfigException(source + ": " + at + " must be an ISO-8601 duration such as PT0.3S or PT24H, got " + text);
            }
        }

        List<String> texts(JsonNode parent, String at) throws ConfigException {
            JsonNode n = parent.get(leaf(at));
            List<String> values = new ArrayList<>();
            if (n == null || n.isNull()) {
                return values;
            }
            if (!n.isArray()) {
                throw new ConfigException(source + ": " + at + " must be a list");
            }
            for (JsonNode item : n) {
                if (!item.isTextual()) {
                    throw new ConfigException(source + ": " + at + " must be a list of strings");
                }
                values.add(item.asText());
            }
            return values;
        }

        private static String leaf(String at) {
            return at.substring(at.lastIndexOf('.') + 1);
        }
    }
}
