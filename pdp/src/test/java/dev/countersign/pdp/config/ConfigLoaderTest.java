package dev.countersign.pdp.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.pdp.audit.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** countersign.yaml: every key read, defaults, overrides in order, and a clear error for each mistake. */
class ConfigLoaderTest {
    static final String HASH = "4a165425519483d7516859fe34ed9434d9412500222de7145acdecdbd3367187";

    @TempDir
    Path dir;

    private ServerConfig load(String yaml, Map<String, String> env, ConfigLoader.Overrides flags) throws Exception {
        Path file = dir.resolve("countersign.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, env, flags);
    }

    @Test
    void withoutAFileEverythingHasItsDefault() throws Exception {
        ServerConfig c = ConfigLoader.load(null, Map.of(), ConfigLoader.Overrides.NONE);
        assertEquals("127.0.0.1", c.host());
        assertEquals(8181, c.port());
        assertEquals(Path.of("policies"), c.bundle());
        assertEquals(Path.of("data"), c.dataDir());
        assertTrue(c.clients().isEmpty());
        assertTrue(c.bindsLoopbackOnly());
        assertEquals(1024 * 1024, c.maxBodyBytes());
        assertEquals(5701, c.cluster().port());
        assertTrue(c.cluster().members().isEmpty());
        assertNull(c.approvals().callbackSecret());
        assertEquals(10_000, c.decisionCacheSize());
        assertEquals(64L * 1024 * 1024, c.decisionCacheBytes());
        assertEquals(Duration.ofMillis(50), c.maxEvaluationTime());
        assertEquals(List.of(), c.approvals().callbackHosts());
        assertEquals(new ServerConfig.ApprovalLimits(1000, Duration.ofHours(24), 64 * 1024, 10_000), c.approvals().limits());
        assertEquals(1, c.cluster().minMembers());
    }

    static final String CLUSTER_SECRET = "a-cluster-secret-of-at-least-32-characters";
    /** The store section a member of a cluster must have when it keeps approvals in memory only. */
    static final String MEMORY = "\nstore: {kind: memory}";
    static final Map<String, String> WITH_SECRET = Map.of("COUNTERSIGN_CLUSTER_SECRET", CLUSTER_SECRET);

    @Test
    void aClusterOfThreeOrMoreListedMembersNeedsAMajorityForApprovals() throws Exception {
        assertEquals(2, load("cluster: {members: [\"a:1\", \"b:1\", \"c:1\"]}" + MEMORY, WITH_SECRET, ConfigLoader.Overrides.NONE).cluster().minMembers());
        assertEquals(3, load("cluster: {members: [\"a:1\", \"b:1\", \"c:1\", \"d:1\", \"e:1\"]}" + MEMORY, WITH_SECRET, ConfigLoader.Overrides.NONE)
                .cluster().minMembers());
        assertEquals(1, load("cluster: {members: [\"a:1\", \"b:1\", \"c:1\"], min_members: 1}" + MEMORY, WITH_SECRET, ConfigLoader.Overrides.NONE)
                .cluster().minMembers(), "an operator may choose availability over consistency");
    }

    @Test
    void theClusterSecretComesFromTheFileOrTheEnvironmentAndIsNeverPrinted() throws Exception {
        ServerConfig alone = load("", Map.of(), ConfigLoader.Overrides.NONE);
        assertNull(alone.cluster().secret(), "a node alone keeps a secret of its own");
        assertTrue(load("cluster: {members: [\"127.0.0.1:5701\"]}", Map.of(), ConfigLoader.Overrides.NONE).cluster().alone(),
                "a node listing only itself is alone");
        ServerConfig fromFile = load("cluster: {members: [\"a:1\", \"b:1\"], secret: \"${S}\", max_clock_skew: PT5S}" + MEMORY,
                Map.of("S", CLUSTER_SECRET), ConfigLoader.Overrides.NONE);
        assertTrue(fromFile.cluster().secret().sameAs(dev.countersign.cluster.ClusterSecret.of(CLUSTER_SECRET)));
        assertEquals(Duration.ofSeconds(5), fromFile.cluster().maxClockSkew());
        assertEquals(Duration.ofSeconds(2), alone.cluster().maxClockSkew(), "the default clock skew");
        ServerConfig fromEnv = load("cluster: {members: [\"a:1\", \"b:1\"], secret: ignored-when-the-environment-has-one-0123456789}" + MEMORY,
                WITH_SECRET, ConfigLoader.Overrides.NONE);
        assertTrue(fromEnv.cluster().secret().sameAs(dev.countersign.cluster.ClusterSecret.of(CLUSTER_SECRET)));
        assertFalse(fromEnv.toString().contains(CLUSTER_SECRET), "the configuration never prints the secret");
        assertFalse(fromEnv.cluster().toString().contains(CLUSTER_SECRET));
    }

    @Test
    void everyKeyIsReadAndSecretsComeFromTheEnvironment() throws Exception {
        ServerConfig c = load("""
                server: {host: 0.0.0.0, port: 9000, event_loops: 3, max_body_bytes: 2048, max_depth: 10, node: n1}
                bundle: rules
                data_dir: state
                clients:
                  - {name: gateway, token_sha256: "${GATEWAY_SHA:-%s}", scopes: [decide], rate: {per_second: 200, burst: 400}}
                  - {name: carol, token_sha256: "%s", scopes: [review, admin], reviewer: Carol@Example.com}
                audit: {mask: ["/action/command"], max_file_bytes: 1000}
                reload: {watch: false, debounce: PT1S}
                forward_auth: {identity_header: X-User, actor_type: service, package: http, trusted_sources: ["10.0.0.0/8"], trusted_hops: 2}
                decisions: {retention: PT1H, max_records: 5}
                engine: {decision_cache: 0, decision_cache_bytes: 1000000, max_evaluation_time: PT0.2S}
                cluster: {name: c1, host: 10.0.0.5, port: 5801, members: ["10.0.0.5:5801", "10.0.0.6:5801"], secret: "${CS}"}
                reviewers:
                  security: [{id: carol@example.com, slack: U0CAROL, teams: ABC-def}]
                approvals: {callback_secret: "${SECRET}", max_wait: PT1M, sweep_interval: PT2S, callback_hosts: ["*.example.com", "10.0.0.7:8443"],
                            max_pending_per_client: 50, max_ttl: PT8H, max_context_bytes: 4096, max_waiters: 200}
                store: {postgres: {url: "jdbc:postgresql://db.internal:5432/countersign", user: countersign, password: "${PG_PASSWORD}", pool: 4}}
                """.formatted(HASH, HASH.replace('4', '5')), Map.of("SECRET", "a-secret-of-16-chars", "CS", CLUSTER_SECRET,
                "PG_PASSWORD", "pg-secret-value"), ConfigLoader.Overrides.NONE);
        assertEquals(ServerConfig.Store.Kind.POSTGRES, c.store().kind());
        assertEquals(dev.countersign.cluster.store.StoreLocation.postgres("jdbc:postgresql://db.internal:5432/countersign", "countersign",
                "pg-secret-value", 4), c.store().location(), "the password comes from the environment");
        assertFalse(c.toString().contains("pg-secret-value"), "the configuration never prints the database password");
        assertEquals("0.0.0.0", c.host());
        assertEquals(9000, c.port());
        assertEquals(3, c.eventLoops());
        assertEquals(2048, c.maxBodyBytes());
        assertEquals(10, c.maxDepth());
        assertEquals("n1", c.node());
        assertEquals(Path.of("rules"), c.bundle());
        assertEquals(Path.of("state"), c.dataDir());
        assertEquals(HASH, c.clients().get(0).tokenSha256());
        assertEquals(Set.of(Scope.REVIEW, Scope.ADMIN), c.clients().get(1).scopes());
        assertEquals(List.of("/action/command"), c.auditMask());
        assertTrue(c.auditRefuses(), "audit.on_failure is refuse unless said otherwise");
        assertFalse(load("audit: {on_failure: allow}", Map.of(), ConfigLoader.Overrides.NONE).auditRefuses());
        assertEquals(AuditLog.Fsync.INTERVAL, c.audit().fsync(), "audit.fsync is interval unless said otherwise");
        assertEquals(new ServerConfig.Audit(false, AuditLog.Fsync.PER_BATCH),
                load("audit: {on_failure: allow, fsync: per_batch}", Map.of(), ConfigLoader.Overrides.NONE).audit());
        assertEquals(false, c.watch());
        assertEquals(Duration.ofSeconds(1), c.reloadDebounce());
        assertEquals(new ServerConfig.ForwardAuth("X-User", "service", "http", List.of(TrustedSource.bare("10.0.0.0/8")), 2), c.forwardAuth());
        assertEquals(new Rate(200, 400), c.clients().get(0).rate());
        assertNull(c.clients().get(1).rate(), "without a rate, a client is not limited");
        assertEquals(Duration.ofHours(1), c.decisionRetention());
        assertEquals(0, c.decisionCacheSize());
        assertEquals(1_000_000, c.decisionCacheBytes());
        assertEquals(new ServerConfig.ApprovalLimits(50, Duration.ofHours(8), 4096, 200), c.approvals().limits());
        assertEquals(Duration.ofMillis(200), c.maxEvaluationTime());
        assertEquals(List.of("10.0.0.5:5801", "10.0.0.6:5801"), c.cluster().members());
        assertEquals(Set.of("security"), c.reviewers().groupsOf("CAROL@example.com"));
        assertEquals("carol@example.com", c.reviewers().byTeams("abc-DEF").id());
        assertEquals("a-secret-of-16-chars", c.approvals().callbackSecret());
        assertEquals(List.of("*.example.com", "10.0.0.7:8443"), c.approvals().callbackHosts());
        assertEquals(1, c.cluster().minMembers(), "two members listed: no majority is required");
        assertTrue(!c.approvals().toString().contains("a-secret"), "the secret is never printed");
        assertTrue(!c.clients().get(0).toString().contains(HASH), "nor the token hash");
    }

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        String yaml = "server: {host: 127.0.0.1, port: 9000}\nbundle: from-file\nstore: {kind: memory}\n";
        ServerConfig fromEnv = load(yaml, Map.of("COUNTERSIGN_PORT", "9100", "COUNTERSIGN_BUNDLE", "from-env",
                "COUNTERSIGN_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702", "COUNTERSIGN_CLUSTER_PORT", "5702",
                "COUNTERSIGN_CLUSTER_SECRET", CLUSTER_SECRET), ConfigLoader.Overrides.NONE);
        assertEquals(9100, fromEnv.port());
        assertEquals(Path.of("from-env"), fromEnv.bundle());
        assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), fromEnv.cluster().members());
        assertEquals(5702, fromEnv.cluster().port());
        ServerConfig fromFlags = load(yaml, Map.of("COUNTERSIGN_PORT", "9100"), new ConfigLoader.Overrides("::1", 9200, Path.of("flag"), null));
        assertEquals(9200, fromFlags.port());
        assertEquals("::1", fromFlags.host());
        assertEquals(Path.of("flag"), fromFlags.bundle());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`sever: {port: 1}`                                                        | unknown key 'sever'",
            "`server: {prot: 1}`                                                       | unknown key 'server.prot'",
            "`server: {port: 70000}`                                                   | is not a port number",
            "`server: {port: eighty}`                                                  | server.port must be a whole number",
            "`clients: [{name: a, token_sha256: abc, scopes: [decide]}]`               | must be the hex SHA-256 of its bearer token",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [root]}]`        | unknown scope \"root\"",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: []}]`            | has no scopes",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide]}, {name: a, token_sha256: " + HASH + "0, scopes: [decide]}]` | must be the hex SHA-256",
            "`clients: [{name: a, token_sha256: \"${NOPE}\", scopes: [decide]}]`       | refers to the environment variable NOPE, which is not set",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [review], reviewer: zed@example.com}]` | votes as reviewer zed@example.com, who is in no group",
            "`audit: {mask: [action/command]}`                                         | is not a JSON pointer",
            "`audit: {mask: [/action/command, action/name]}`                          | audit.mask[1] \"action/name\" is not a JSON pointer: it starts with /",
            "`audit: {mask: [\"\"]}`                                                    | audit.mask[0] \"\" is empty, which would mask the whole input",
            "`audit: {mask: [\"/attributes/a~b\"]}`                                     | audit.mask[0] \"/attributes/a~b\" is not a JSON pointer: a ~ is written ~0 and a / inside a key ~1",
            "`audit: {mask: [\"/attributes/secret~\"]}`                                 | audit.mask[0] \"/attributes/secret~\" is not a JSON pointer: a ~ is written ~0",
            "`audit: {mask: [/actor/roles/-, /attributes/secret/]}`                   | audit.mask[1] \"/attributes/secret/\" has an empty key (a / at the end or two in a row)",
            "`audit: {mask: [\"/actor//id\"]}`                                          | audit.mask[0] \"/actor//id\" has an empty key",
            "`audit: {mask: [\"/\"]}`                                                   | audit.mask[0] \"/\" has an empty key",
            "`reload: {debounce: soon}`                                                | must be an ISO-8601 duration",
            "`forward_auth: {trusted_sources: [everyone]}`                             | forward_auth.trusted_sources[0]: \"everyone\" is not an address or CIDR block",
            "`forward_auth: {trusted_sources: [\"10.0.0.0/8\", \"10.1\"]}`               | forward_auth.trusted_sources[1]: \"10.1\" is not an address",
            "`forward_auth: {trusted_sources: [\"10.0.0.0/33\"]}`                      | has the prefix /33; an IPv4 block's prefix is 0 to 32",
            "`forward_auth: {trusted_sources: [\"fd00::/129\"]}`                       | an IPv6 block's prefix is 0 to 128",
            "`forward_auth: {trusted_sources: [\"10.0.0.0/\"]}`                        | has the prefix /;",
            "`forward_auth: {trusted_sources: [\"10.0.0.1/8\"]}`                       | has address bits set past its /8 prefix: the block is 10.0.0.0/8",
            "`forward_auth: {trusted_sources: [\"10.0.0.0/8\", \"10.0.0.0/8\"]}`         | trusted_sources[1] is named trusted:10.0.0.0/8, as entry [0] is",
            "`forward_auth: {trusted_sources: [{name: a, cidr: 10.0.0.0/8}, {name: a, cidr: 10.1.0.0/16}]}` | trusted_sources[1] is named a, as entry [0] is",
            "`forward_auth: {trusted_sources: [{name: a, cidr: 10.0.0.0/8}, \"10.0.0.0/8\"]}` | trusted_sources[1] (trusted:10.0.0.0/8) is the block 10.0.0.0/8 of entry [0] again",
            "`forward_auth: {trusted_sources: [{name: a, cidr: 10.0.0.0/8}, {name: b, cidr: 10.0.0.0/08}]}` | trusted_sources[1] (b) is the block 10.0.0.0/8 of entry [0] again",
            "`forward_auth: {trusted_sources: [{cidr: 10.0.0.0/8}]}`                   | forward_auth.trusted_sources[0].name is required",
            "`forward_auth: {trusted_sources: [{name: traefik}]}`                      | forward_auth.trusted_sources[0].cidr is required",
            "`forward_auth: {trusted_sources: [{name: traefik, cidr: nowhere}]}`       | forward_auth.trusted_sources[0].cidr of traefik: \"nowhere\" is not an address",
            "`forward_auth: {trusted_sources: [{name: traefik, cidrs: [10.0.0.0/8]}]}` | unknown key 'forward_auth.trusted_sources[0].cidrs'",
            "`forward_auth: {trusted_sources: [42]}`                                   | forward_auth.trusted_sources[0] must be an address block such as",
            "`forward_auth: {trusted_sources: 10.0.0.0/8}`                             | forward_auth.trusted_sources must be a list",
            "`{clients: [{name: gateway, token_sha256: " + HASH + ", scopes: [decide]}], forward_auth: {trusted_sources: [{name: gateway, cidr: 10.0.0.0/8}]}}` | trusted_sources[0] is named gateway, as a client is",
            "`forward_auth: {trusted_sources: [{name: t, cidr: 10.0.0.0/8, rate: {per_second: 0}}]}` | forward_auth.trusted_sources[0].rate.per_second of trusted source t must be 1 to 1000000, got 0",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: -5}}]`   | clients[0].rate.per_second of client a must be 1 to 1000000, got -5",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: 2.5}}]`  | clients[0].rate.per_second must be a whole number, got 2.5",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: lots}}]` | clients[0].rate.per_second must be a whole number, got \"lots\"",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {burst: 5}}]`         | clients[0].rate.per_second of client a is required",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: 5, burst: 0}}]` | clients[0].rate.burst of client a must be 1 to 1000000000, got 0",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: 5000000}}]` | must be 1 to 1000000, got 5000000",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: 100}]`               | clients[0].rate of client a must be a mapping such as {per_second: 100, burst: 200}, got 100",
            "`clients: [{name: a, token_sha256: " + HASH + ", scopes: [decide], rate: {per_second: 5, per_minute: 1}}]` | unknown key 'clients[0].rate.per_minute'",
            "`forward_auth: {trusted_hops: 0}`                                         | trusted_hops must be at least 1",
            "`cluster: {members: [\"127.0.0.1:5701-5703\"]}`                            | must be host:port",
            "`cluster: {members: [\"a:1\"], kubernetes: {service_name: s}}`            | exclude each other",
            "`reviewers: {security: [carol]}`                                          | must be a mapping such as",
            "`approvals: {callback_secret: short}`                                     | at least 16 characters",
            "`engine: {decision_cache: -1}`                                            | must be 0 (off) or more",
            "`engine: {max_evaluation_time: PT0S}`                                     | engine.max_evaluation_time must be longer than zero, such as PT0.05S",
            "`engine: {max_evaluation_time: -PT1S}`                                    | engine.max_evaluation_time must not be negative",
            "`engine: {max_evaluation_time: 50ms}`                                     | engine.max_evaluation_time must be an ISO-8601 duration",
            "`engine: {budget: PT1S}`                                                  | known keys of engine are [decision_cache, decision_cache_bytes, max_evaluation_time]",
            "`engine: {decision_cache_bytes: 0}`                                       | engine.decision_cache_bytes must be positive",
            "`approvals: {max_pending_per_client: 0}`                                  | approvals.max_pending_per_client must be a whole number from 1 to 2147483647, not 0",
            "`approvals: {max_context_bytes: 3000000000}`                              | approvals.max_context_bytes must be a whole number from 1 to 2147483647, not 3000000000",
            "`approvals: {max_waiters: -1}`                                            | approvals.max_waiters must be a whole number from 1 to 2147483647, not -1",
            "`approvals: {max_ttl: PT0S}`                                              | approvals.max_ttl must be longer than zero, such as PT24H",
            "`approvals: {max_ttl: 24h}`                                               | approvals.max_ttl must be an ISO-8601 duration",
            "`approvals: {callback_hosts: [\"https://hooks.example.com/\"]}`            | approvals.callback_hosts: 'https://hooks.example.com/' is not a host",
            "`approvals: {callback_hosts: [\"*.example.com\", \"169.254.169.254\"]}`     | approvals.callback_hosts: '169.254.169.254' is a cloud metadata address",
            "`cluster: {members: [\"a:1\", \"b:1\"], min_members: 3}`                   | more than the 2 cluster.members listed",
            "`cluster: {min_members: 0}`                                               | cluster.min_members must be 1 or more",
            "`cluster: {members: [\"a:1\", \"b:1\"]}`                                   | needs the secret they share",
            "`cluster: {members: [\"10.0.0.5:5701\"]}`                                  | needs the secret they share",
            "`cluster: {kubernetes: {service_name: s}, secret: a-cluster-secret-of-at-least-32-chars}` | cluster.kubernetes needs cluster.min_members",
            "`cluster: {secret: too-short}`                                            | cluster.secret: the cluster secret must be at least 32 characters",
            "`cluster: {max_clock_skew: PT0S}`                                         | cluster.max_clock_skew must be longer than zero",
            "`cluster: {host: 0.0.0.0}`                                                | cluster.host 0.0.0.0 is the wildcard address",
            "`cluster: {host: \"::\"}`                                                 | is the wildcard address",
            "`connectors: {slack: {signing_secret: s}}`                                | connectors.slack.bot_token is required",
            "`connectors: {slack: {bot_token: xoxp-user, signing_secret: s}}`          | is not a bot token (those start with xoxb-)",
            "`connectors: {slack: {bot_token: xoxb-1}}`                                | connectors.slack.signing_secret is required",
            "`connectors: {slack: {bot_token: xoxb-1, signing_secret: s, api_base: slack.com}}` | connectors.slack.api_base must be an http(s) URL",
            "`connectors: {slack: {bot_token: xoxb-1, signing_secret: s, team_id: acme}}` | connectors.slack.team_id acme is not a Slack workspace id",
            "`connectors: {slack: {bot_token: xoxb-1, signing_secret: s, channel: C1}}` | unknown key 'connectors.slack.channel'",
            "`connectors: {teams: {app_id: a}}`                                        | connectors.teams.app_id a is not a Microsoft App ID",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b}}`   | connectors.teams.app_password is required",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, app_password: p}}` | connectors.teams.tenant_id is required",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, app_password: p, tenant_id: contoso.onmicrosoft.com}}` | connectors.teams.tenant_id contoso.onmicrosoft.com is not a tenant id",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, app_password: p, tenant_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, service_url: \"ftp://x/\"}}` | connectors.teams.service_url must be an http(s) URL",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, app_password: p, tenant_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, token_url: \"https://u:p@login.example/\"}}` | connectors.teams.token_url must be an http(s) URL without credentials",
            "`connectors: {teams: {app_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, app_password: p, tenant_id: 3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b, bot_token: x}}` | unknown key 'connectors.teams.bot_token'",
            "`routes: {sre: [\"teams:19:abc@thread.tacv2\"]}`                          | routes.sre[0] goes to teams, but connectors.teams is not configured",
            "`connectors: {webhook: {secret: short}}`                                  | connectors.webhook.secret must be at least 16 characters",
            "`connectors: {webhook: {secret: a-webhook-secret-long-enough, hosts: [\"https://x/\"]}}` | connectors.webhook.hosts: 'https://x/' is not a host",
            "`routes: {security: [\"slack:C0SECURITY\"]}`                              | routes.security[0] goes to slack, but connectors.slack is not configured",
            "`{connectors: {slack: {bot_token: xoxb-1, signing_secret: s}}, routes: {security: [\"teams:19:abc\"]}}` | routes.security[0] goes to teams, but connectors.teams is not configured",
            "`{connectors: {slack: {bot_token: xoxb-1, signing_secret: s}}, routes: {security: [\"C0SECURITY\"]}}` | routes.security[0] C0SECURITY names no known connector",
            "`{connectors: {slack: {bot_token: xoxb-1, signing_secret: s}}, routes: {security: \"slack:C1\"}}` | routes.security must be a list",
            "`routes: [slack:C1]`                                                      | routes must map group names to lists of destinations",
            "`reminders: {every: PT30M}`                                               | need reminders.after",
            "`reminders: {after: PT5S}`                                                | reminders.after PT5S is too short",
            "`{connectors: {slack: {bot_token: xoxb-1, signing_secret: s}}, reminders: {after: PT15M, escalate_to: {\"*\": [\"slack:C1\"]}}}` | \"*\" is only for routes",
            "`reminders: {after: PT15M, escalate_to: {security: [\"webhook:https://x\"]}}` | reminders.escalate_to.security[0] goes to webhook, but connectors.webhook is not configured",
            "`server: {public_url: \"ftp://countersign.example.com\"}`                 | server.public_url must be the http(s) base URL",
            "`audit: {on_failure: ignore}`                                              | audit.on_failure must be refuse",
            "`audit: {fsync: always}`                                                   | audit.fsync must be interval (records are forced to disk at least every second) or per_batch",
            "`[1, 2]`                                                                  | expected a mapping of settings",
            "`server: {port: [}`                                                       | not valid YAML",
    })
    void eachMistakeIsNamed(String yaml, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml, Map.of(), ConfigLoader.Overrides.NONE));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve("countersign.yaml").toString()), e.getMessage());
    }

    @Test
    void connectorsRoutesAndRemindersAreReadWithSecretsFromTheEnvironmentAndNeverPrinted() throws Exception {
        ServerConfig c = load("""
                server: {public_url: "https://countersign.example.com/"}
                connectors:
                  slack: {bot_token: "${SLACK_BOT_TOKEN}", signing_secret: "${SLACK_SIGNING_SECRET}", api_base: "https://slack.example/api/"}
                  webhook: {secret: "${WEBHOOK_SECRET}", hosts: [hooks.internal]}
                routes:
                  security: ["slack:C0SECURITY", "webhook:https://hooks.example.com/countersign"]
                  "*": ["slack:C0APPROVALS"]
                reminders: {after: PT15M, every: PT30M, escalate_to: {security: ["slack:C0SECLEADS"]}}
                """, Map.of("SLACK_BOT_TOKEN", "xoxb-secret-token", "SLACK_SIGNING_SECRET", "signing-secret-value",
                "WEBHOOK_SECRET", "webhook-secret-value-0123"), ConfigLoader.Overrides.NONE);
        ChatSettings chat = c.chat();
        assertEquals("xoxb-secret-token", chat.slack().botToken());
        assertEquals("signing-secret-value", chat.slack().signingSecret());
        assertEquals("https://slack.example/api", chat.slack().apiBase());
        assertEquals("https://countersign.example.com", chat.publicUrl());
        assertEquals(List.of("hooks.internal"), chat.webhook().hosts());
        assertEquals(List.of("slack:C0SECURITY", "webhook:https://hooks.example.com/countersign"), chat.destinationsOf(List.of("security")));
        assertEquals(List.of("slack:C0APPROVALS"), chat.destinationsOf(List.of("sre")), "a group without a route takes \"*\"");
        assertEquals(List.of("slack:C0SECURITY", "webhook:https://hooks.example.com/countersign", "slack:C0APPROVALS"),
                chat.destinationsOf(List.of("security", "sre", "finance")), "each destination once, in order");
        assertEquals(Duration.ofMinutes(15), chat.reminders().after());
        assertEquals(Duration.ofMinutes(30), chat.reminders().every());
        assertEquals(List.of("slack:C0SECLEADS"), chat.escalationOf(List.of("security", "sre")));
        assertEquals("reminders.escalate_to.security[0]", chat.everyDestination().get("slack:C0SECLEADS"));
        for (String secret : List.of("xoxb-secret-token", "signing-secret-value", "webhook-secret-value-0123")) {
            assertFalse(c.toString().contains(secret), "printed: " + secret);
        }
        ChatSettings none = load("{}", Map.of(), ConfigLoader.Overrides.NONE).chat();
        assertEquals(List.of(), none.destinationsOf(List.of("security")), "no routes: events go to the audit log, waiters and callbacks only");
        assertEquals(null, none.reminders().after());
    }

    @Test
    void teamsIsReadWithItsDefaultsAndItsPasswordIsNeverPrinted() throws Exception {
        ServerConfig c = load("""
                connectors:
                  teams: {app_id: 3F2A1B4C-5D6E-4F70-8A9B-0C1D2E3F4A5B, app_password: "${TEAMS_APP_PASSWORD}",
                          tenant_id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d, service_url: "https://smba.example/amer"}
                routes:
                  sre: ["teams:19:abc@thread.tacv2", "teams:channel:19:def@thread.tacv2"]
                """, Map.of("TEAMS_APP_PASSWORD", "teams-app-password-value"), ConfigLoader.Overrides.NONE);
        ChatSettings.Teams teams = c.chat().teams();
        assertEquals("3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b", teams.appId(), "ids compared as Microsoft writes them: lower case");
        assertEquals("teams-app-password-value", teams.appPassword());
        assertEquals("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", teams.tenantId());
        assertEquals(ChatSettings.Teams.TOKEN_URL, teams.tokenUrl());
        assertEquals(ChatSettings.Teams.OPENID_METADATA_URL, teams.openidMetadataUrl());
        assertEquals("https://smba.example/amer/", teams.serviceUrl(), "a service URL always ends with /");
        assertEquals(List.of("teams:19:abc@thread.tacv2", "teams:channel:19:def@thread.tacv2"), c.chat().destinationsOf(List.of("sre")));
        assertFalse(c.toString().contains("teams-app-password-value"), c.toString());
    }

    @Test
    void aMaskMayPointAtEveryItemOfAListAndEscapeItsKeys() throws Exception {
        assertEquals(List.of("/actor/roles/-", "/attributes/cards/-/number", "/attributes/a~1b~0c"),
                load("audit: {mask: [/actor/roles/-, /attributes/cards/-/number, \"/attributes/a~1b~0c\"]}", Map.of(),
                        ConfigLoader.Overrides.NONE).auditMask());
    }

    @Test
    void aTrustedSourceIsABareBlockOrANamedEntryWithARate() throws Exception {
        List<TrustedSource> sources = load("""
                forward_auth:
                  trusted_sources:
                    - "10.0.0.0/8"
                    - 192.168.1.7
                    - {name: traefik, cidr: "10.1.0.0/16"}
                    - {name: envoy, cidr: "fd00:1::/32", rate: {per_second: 50}}
                    - {name: nginx, cidr: "10.2.0.0/16", rate: {per_second: 5, burst: 20}}
                """, Map.of(), ConfigLoader.Overrides.NONE).forwardAuth().trustedSources();
        assertEquals(List.of("trusted:10.0.0.0/8", "trusted:192.168.1.7", "traefik", "envoy", "nginx"),
                sources.stream().map(TrustedSource::name).toList());
        assertEquals(Cidr.parse("10.0.0.0/8"), sources.get(0).block());
        assertEquals(32, sources.get(1).block().prefix(), "a bare address is a block of one");
        assertTrue(sources.get(2).block().contains("10.1.200.3"));
        assertTrue(!sources.get(2).block().contains("10.2.0.1"));
        assertTrue(sources.get(3).block().contains("fd00:1:0:0:0:0:0:9"));
        assertNull(sources.get(2).rate(), "without a rate, a trusted source is not limited");
        assertEquals(new Rate(50, 50), sources.get(3).rate(), "the burst is a second's worth unless given");
        assertEquals(new Rate(5, 20), sources.get(4).rate());
    }

    @Test
    void twoClientsMayNotShareANameOrAToken() {
        ConfigException names = assertThrows(ConfigException.class, () -> load("clients: [{name: a, token_sha256: " + HASH
                + ", scopes: [decide]}, {name: a, token_sha256: " + HASH.replace('4', '6') + ", scopes: [decide]}]", Map.of(),
                ConfigLoader.Overrides.NONE));
        assertTrue(names.getMessage().contains("client name a is used twice"), names.getMessage());
        ConfigException tokens = assertThrows(ConfigException.class, () -> load("clients: [{name: a, token_sha256: " + HASH
                + ", scopes: [decide]}, {name: b, token_sha256: " + HASH + ", scopes: [decide]}]", Map.of(), ConfigLoader.Overrides.NONE));
        assertTrue(tokens.getMessage().contains("has the same token as another client"), tokens.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of(), ConfigLoader.Overrides.NONE));
        assertTrue(e.getMessage().endsWith("no such configuration file"), e.getMessage());
    }
}
