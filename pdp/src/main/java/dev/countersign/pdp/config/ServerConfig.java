package dev.countersign.pdp.config;

import dev.countersign.cluster.ClusterSettings;
import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.rules.engine.CacheBounds;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a node needs to start, from {@code countersign.yaml}, the environment and flags
 * (flags win over the environment, which wins over the file). See {@link ConfigLoader} for the keys.
 */
public record ServerConfig(
        String host,
        int port,
        int eventLoops,
        long maxBodyBytes,
        int maxDepth,
        Path bundle,
        Path dataDir,
        List<ClientConfig> clients,
        List<String> auditMask,
        long auditMaxFileBytes,
        boolean watch,
        Duration reloadDebounce,
        ForwardAuth forwardAuth,
        Duration decisionRetention,
        int decisionMaxRecords,
        String node,
        ClusterSettings cluster,
        ReviewerDirectory reviewers,
        Approvals approvals,
        int decisionCacheSize,
        Duration maxEvaluationTime,
        ChatSettings chat,
        Audit audit,
        long decisionCacheBytes,
        AuthZen authzen,
        ExtAuthz extAuthz,
        Agents agents,
        Attestation attestation,
        Store store) {

    /** Without an {@code authzen} section and without an ext_authz server. */
    public ServerConfig(String host, int port, int eventLoops, long maxBodyBytes, int maxDepth, Path bundle, Path dataDir,
                        List<ClientConfig> clients, List<String> auditMask, long auditMaxFileBytes, boolean watch, Duration reloadDebounce,
                        ForwardAuth forwardAuth, Duration decisionRetention, int decisionMaxRecords, String node, ClusterSettings cluster,
                        ReviewerDirectory reviewers, Approvals approvals, int decisionCacheSize, Duration maxEvaluationTime,
                        ChatSettings chat, Audit audit, long decisionCacheBytes) {
        this(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce,
                forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime,
                chat, audit, decisionCacheBytes, AuthZen.NONE, null, Agents.DEFAULT, Attestation.DEFAULT, Store.UNSET);
    }

    /** With the default bound of the decision cache in bytes ({@link CacheBounds#DEFAULT_BYTES}). */
    public ServerConfig(String host, int port, int eventLoops, long maxBodyBytes, int maxDepth, Path bundle, Path dataDir,
                        List<ClientConfig> clients, List<String> auditMask, long auditMaxFileBytes, boolean watch, Duration reloadDebounce,
                        ForwardAuth forwardAuth, Duration decisionRetention, int decisionMaxRecords, String node, ClusterSettings cluster,
                        ReviewerDirectory reviewers, Approvals approvals, int decisionCacheSize, Duration maxEvaluationTime,
                        ChatSettings chat, Audit audit) {
        this(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce,
                forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime,
                chat, audit, CacheBounds.DEFAULT_BYTES);
    }

    /** With {@code audit.on_failure: refuse}, the default. */
    public ServerConfig(String host, int port, int eventLoops, long maxBodyBytes, int maxDepth, Path bundle, Path dataDir,
                        List<ClientConfig> clients, List<String> auditMask, long auditMaxFileBytes, boolean watch, Duration reloadDebounce,
                        ForwardAuth forwardAuth, Duration decisionRetention, int decisionMaxRecords, String node, ClusterSettings cluster,
                        ReviewerDirectory reviewers, Approvals approvals, int decisionCacheSize, Duration maxEvaluationTime,
                        ChatSettings chat) {
        this(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce,
                forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime,
                chat, Audit.DEFAULT);
    }

    public ServerConfig {
        clients = List.copyOf(clients);
        auditMask = List.copyOf(auditMask);
        chat = chat == null ? ChatSettings.NONE : chat;
        audit = audit == null ? Audit.DEFAULT : audit;
        authzen = authzen == null ? AuthZen.NONE : authzen;
        agents = agents == null ? Agents.DEFAULT : agents;
        attestation = attestation == null ? Attestation.DEFAULT : attestation;
        store = store == null ? Store.UNSET : store;
    }

    /**
     * {@code mcp} and {@code hooks}: the MCP servers fronted at {@code /mcp/{name}}, how long a held
     * tool call waits for reviewers through MCP ({@code mcp.wait_for_approval}) and through an agent's
     * hook ({@code hooks.wait_for_approval}), and how often a waiting MCP call is told its progress.
     */
    public record Agents(List<McpServer> servers, Duration mcpWait, Duration progressInterval, Duration hookWait) {
        public static final Agents DEFAULT = new Agents(List.of(), Duration.ofSeconds(25), Duration.ofSeconds(5), Duration.ofSeconds(25));

        public Agents {
            servers = List.copyOf(servers);
        }

        public McpServer server(String name) {
            for (McpServer s : servers) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
            return null;
        }
    }

    /**
     * One MCP server fronted by the node: its name (the path segment of {@code /mcp/{name}} and the
     * first part of a tool's resource id), its upstream Streamable HTTP endpoint, the package whose
     * rules decide its tool calls ("" for all), and how long the upstream may take to answer.
     */
    public record McpServer(String name, java.net.URI upstream, String packageName, Duration timeout) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    }

    /**
     * {@code store}: where approval state is kept durably. {@code embedded} is an H2 file database in
     * the data directory (one node only), {@code postgres} a PostgreSQL database the members share
     * ({@code location}), {@code memory} none (approvals do not survive a full restart).
     * {@link #UNSET} (no section, as in code) means embedded for a node alone and memory otherwise;
     * a configuration file is refused instead ({@link ConfigLoader}).
     */
    public record Store(Kind kind, dev.countersign.cluster.store.StoreLocation location) {
        public enum Kind { EMBEDDED, POSTGRES, MEMORY }

        public static final Store UNSET = new Store(null, null);
        public static final Store MEMORY = new Store(Kind.MEMORY, null);
        public static final Store EMBEDDED = new Store(Kind.EMBEDDED, null);

        public Store {
            if ((kind == Kind.POSTGRES) != (location != null)) {
                throw new IllegalArgumentException("a postgres store, and only it, has a location");
            }
        }

        /** The location of the store of a node with {@code dataDir} in {@code cluster}; null when approvals are kept in memory only. */
        public dev.countersign.cluster.store.StoreLocation resolve(Path dataDir, ClusterSettings cluster) {
            Kind effective = kind != null ? kind : cluster.alone() ? Kind.EMBEDDED : Kind.MEMORY;
            return switch (effective) {
                case EMBEDDED -> dev.countersign.cluster.store.StoreLocation.embedded(dataDir);
                case POSTGRES -> location;
                case MEMORY -> null;
            };
        }
    }

    /** With the durable store {@code value}. */
    public ServerConfig withStore(Store value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, value);
    }

    public ServerConfig withAgents(Agents value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, value, attestation, store);
    }

    /**
     * {@code authzen}: the base URL AuthZEN discovery announces ({@code pdp_base_url}, without a
     * trailing slash), or null to announce the scheme and host each request was sent to.
     */
    public record AuthZen(String pdpBaseUrl) {
        public static final AuthZen NONE = new AuthZen(null);
    }

    public ServerConfig withAuthZen(AuthZen value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, value, extAuthz, agents, attestation, store);
    }

    /**
     * What the audit log does when it cannot take a record, and when it forces records to disk.
     *
     * @param refuses {@code audit.on_failure: refuse} (true, the default) or {@code allow}
     * @param fsync {@code audit.fsync}: {@code interval} (the default) or {@code per_batch}
     */
    public record Audit(boolean refuses, AuditLog.Fsync fsync) {
        public static final Audit DEFAULT = new Audit(true, AuditLog.Fsync.INTERVAL);

        public Audit {
            Objects.requireNonNull(fsync, "fsync");
        }
    }

    /** {@code audit.on_failure: refuse}: decisions whose records the audit log cannot take are refused. */
    public boolean auditRefuses() {
        return audit.refuses();
    }

    /**
     * How {@code /v1/authz/forward} turns a gateway's request into an action context, and which
     * gateways it trusts by address: each {@link TrustedSource} is one principal.
     * {@code trustedHops} is the number of proxies (the gateway included) whose {@code X-Forwarded-For}
     * entries are trusted: the client address is the entry that many places from the right.
     */
    public record ForwardAuth(String identityHeader, String actorType, String packageScope, List<TrustedSource> trustedSources,
                              int trustedHops) {
        public ForwardAuth {
            trustedSources = List.copyOf(trustedSources);
            if (trustedHops < 1) {
                throw new IllegalArgumentException("forward_auth.trusted_hops must be at least 1");
            }
        }

        /** One trusted hop: the gateway itself. */
        public ForwardAuth(String identityHeader, String actorType, String packageScope, List<TrustedSource> trustedSources) {
            this(identityHeader, actorType, packageScope, trustedSources, 1);
        }
    }

    /**
     * The approval workflow: the secret callbacks are signed with (none: no callbacks), the longest a
     * caller may wait for a decision, how often expiry and callbacks are swept, the hosts callbacks
     * may go to (empty: any host whose addresses are all public), whether one person counts for
     * one group of a requirement only ({@code distinctReviewers}, the default), and its resource limits.
     */
    public record Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval, List<String> callbackHosts,
                            boolean distinctReviewers, ApprovalLimits limits) {
        public Approvals {
            callbackHosts = List.copyOf(callbackHosts);
            limits = limits == null ? ApprovalLimits.DEFAULT : limits;
        }

        public Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval, List<String> callbackHosts,
                         boolean distinctReviewers) {
            this(callbackSecret, maxWait, sweepInterval, callbackHosts, distinctReviewers, ApprovalLimits.DEFAULT);
        }

        public Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval, List<String> callbackHosts) {
            this(callbackSecret, maxWait, sweepInterval, callbackHosts, true);
        }

        public Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval) {
            this(callbackSecret, maxWait, sweepInterval, List.of(), true);
        }

        public Approvals withLimits(ApprovalLimits value) {
            return new Approvals(callbackSecret, maxWait, sweepInterval, callbackHosts, distinctReviewers, value);
        }

        /** Never prints the secret. */
        @Override
        public String toString() {
            return "approvals (callbacks " + (callbackSecret == null ? "off" : "signed") + ", max wait " + maxWait + ", " + limits + ")";
        }
    }

    /**
     * What the approval workflow holds at most: pending approvals per client, cluster-wide
     * ({@code approvals.max_pending_per_client}); the ttl of an approval, longer asks being capped
     * ({@code approvals.max_ttl}); the bytes of the masked context kept with an approval
     * ({@code approvals.max_context_bytes}); and callers waiting for a decision on this node
     * ({@code approvals.max_waiters}).
     */
    public record ApprovalLimits(int maxPendingPerClient, Duration maxTtl, int maxContextBytes, int maxWaiters) {
        public static final ApprovalLimits DEFAULT = new ApprovalLimits(1000, Duration.ofHours(24), 64 * 1024, 10_000);

        public ApprovalLimits {
            if (maxPendingPerClient < 1 || maxContextBytes < 1 || maxWaiters < 1) {
                throw new IllegalArgumentException("approval limits must be positive");
            }
            if (maxTtl.isNegative() || maxTtl.isZero()) {
                throw new IllegalArgumentException("approvals.max_ttl must be longer than zero");
            }
        }
    }

    /** Whether callers must present a bearer token (some client is configured). */
    public boolean authenticates() {
        return !clients.isEmpty();
    }

    /** Whether {@code host} is a loopback address (or resolves only to one). */
    public boolean bindsLoopbackOnly() {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public ServerConfig withHost(String value) {
        return new ServerConfig(value, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withPort(int value) {
        return new ServerConfig(host, value, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withEventLoops(int value) {
        return new ServerConfig(host, port, value, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withClients(List<ClientConfig> value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, value, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withAuditMask(List<String> value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, value, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withWatch(boolean value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, value, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withForwardAuth(ForwardAuth value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, value, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withNode(String value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, value, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withCluster(ClusterSettings value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, value, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withReviewers(ReviewerDirectory value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, value, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withApprovals(Approvals value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, value, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withDataDir(Path value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, value, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withDecisionCacheSize(int value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, value, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withMaxEvaluationTime(Duration value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, value, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withChat(ChatSettings value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, value, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    /** With {@code audit.on_failure} {@code refuse} ({@code true}) or {@code allow}. */
    public ServerConfig withAuditRefuses(boolean value) {
        return withAudit(new Audit(value, audit.fsync()));
    }

    /** With {@code audit.fsync}. */
    public ServerConfig withAuditFsync(AuditLog.Fsync value) {
        return withAudit(new Audit(audit.refuses(), value));
    }

    public ServerConfig withAudit(Audit value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, value, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    /** With {@code decisions.retention} and {@code decisions.max_records}. */
    public ServerConfig withDecisionRecords(Duration retention, int maxRecords) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, retention, maxRecords, node, cluster, reviewers, approvals, decisionCacheSize,
                maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withBundle(Path value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, value, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, attestation, store);
    }

    public ServerConfig withDecisionCacheBytes(long value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, value, authzen, extAuthz, agents, attestation, store);
    }

    /** With the ext_authz gRPC server {@code value} (null: none). */
    public ServerConfig withExtAuthz(ExtAuthz value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, value, agents, attestation, store);
    }

    /**
     * {@code ext_authz}: Envoy's {@code envoy.service.auth.v3.Authorization} gRPC service on its own
     * address (port 0 picks a free one), with TLS when {@code certificate} and {@code key} (PEM
     * files) are given, both or neither. Absent from the configuration, there is no such server.
     */
    public record ExtAuthz(String host, int port, Path certificate, Path key) {
        public ExtAuthz {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("ext_authz.port " + port + " is not a port number (0-65535; 0 picks a free port)");
            }
            if ((certificate == null) != (key == null)) {
                throw new IllegalArgumentException("ext_authz.tls needs both certificate_file and key_file");
            }
        }

        /** Plain text on {@code host:port}. */
        public ExtAuthz(String host, int port) {
            this(host, port, null, null);
        }

        public boolean tls() {
            return certificate != null;
        }
    }

    /** With the {@code attestation} section {@code value}. */
    public ServerConfig withAttestation(Attestation value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, audit, decisionCacheBytes, authzen, extAuthz, agents, value, store);
    }

    /** Which allowed decisions carry a signed attestation ({@code attestation.sign}). */
    public enum Sign {
        /** Only decisions that redeem an approved approval (the default). */
        APPROVALS,
        /** Every allow; an allow without an approval is signed for {@code attestation.allow_ttl}. */
        ALL
    }

    /**
     * {@code attestation}: the key this node signs attestations and audit checkpoints with, and what it signs.
     *
     * @param keyFile {@code attestation.key_file}, a PEM file holding the current signing key (PKCS#8 private key and its
     *                public key); null: {@code COUNTERSIGN_ATTESTATION_KEY} (the same PEM text), else a key generated into
     *                the data directory at first start
     * @param keyPem the PEM text of the signing key from {@code COUNTERSIGN_ATTESTATION_KEY}, when no key file is set
     * @param retiredKeyFiles {@code attestation.retired_key_files}: PEM files of earlier keys, whose public keys are still served
     *                        so tokens and checkpoints they signed verify
     * @param sign {@code attestation.sign}: {@code approvals} or {@code all}
     * @param allowTtl {@code attestation.allow_ttl}: how long the attestation of an allow without an approval is valid
     * @param checkpointInterval {@code attestation.checkpoint_interval}: the longest the audit log is written between signed
     *                           checkpoints
     */
    public record Attestation(Path keyFile, String keyPem, List<Path> retiredKeyFiles, Sign sign, Duration allowTtl,
                              Duration checkpointInterval) {
        public static final Attestation DEFAULT = new Attestation(null, null, List.of(), Sign.APPROVALS, Duration.ofMinutes(5),
                Duration.ofSeconds(1));

        public Attestation {
            retiredKeyFiles = List.copyOf(retiredKeyFiles);
            Objects.requireNonNull(sign, "sign");
            Objects.requireNonNull(allowTtl, "allowTtl");
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        }

        public Attestation withSign(Sign value) {
            return new Attestation(keyFile, keyPem, retiredKeyFiles, value, allowTtl, checkpointInterval);
        }

        public Attestation withKeyFile(Path value, List<Path> retired) {
            return new Attestation(value, null, retired, sign, allowTtl, checkpointInterval);
        }

        /** Never shows the key from the environment. */
        @Override
        public String toString() {
            return "Attestation[keyFile=" + keyFile + ", keyPem=" + (keyPem == null ? "none" : "(from the environment)")
                    + ", retiredKeyFiles=" + retiredKeyFiles + ", sign=" + sign + ", allowTtl=" + allowTtl
                    + ", checkpointInterval=" + checkpointInterval + "]";
        }
    }

    /** The bounds of each revision's decision cache: {@code engine.decision_cache} entries, {@code engine.decision_cache_bytes}. */
    public CacheBounds decisionCacheBounds() {
        return new CacheBounds(decisionCacheSize, decisionCacheBytes);
    }
}
