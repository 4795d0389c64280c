package dev.countersign.pdp.config;

import dev.countersign.cluster.ClusterSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        boolean auditRefuses) {

    /** With {@code audit.on_failure: refuse}, the default. */
    public ServerConfig(String host, int port, int eventLoops, long maxBodyBytes, int maxDepth, Path bundle, Path dataDir,
                        List<ClientConfig> clients, List<String> auditMask, long auditMaxFileBytes, boolean watch, Duration reloadDebounce,
                        ForwardAuth forwardAuth, Duration decisionRetention, int decisionMaxRecords, String node, ClusterSettings cluster,
                        ReviewerDirectory reviewers, Approvals approvals, int decisionCacheSize, Duration maxEvaluationTime,
                        ChatSettings chat) {
        this(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce,
                forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime,
                chat, true);
    }

    public ServerConfig {
        clients = List.copyOf(clients);
        auditMask = List.copyOf(auditMask);
        chat = chat == null ? ChatSettings.NONE : chat;
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
     * may go to (empty: any host whose addresses are all public), and whether one person counts for
     * one group of a requirement only ({@code distinctReviewers}, the default).
     */
    public record Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval, List<String> callbackHosts,
                            boolean distinctReviewers) {
        public Approvals {
            callbackHosts = List.copyOf(callbackHosts);
        }

        public Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval, List<String> callbackHosts) {
            this(callbackSecret, maxWait, sweepInterval, callbackHosts, true);
        }

        public Approvals(String callbackSecret, Duration maxWait, Duration sweepInterval) {
            this(callbackSecret, maxWait, sweepInterval, List.of(), true);
        }

        /** Never prints the secret. */
        @Override
        public String toString() {
            return "approvals (callbacks " + (callbackSecret == null ? "off" : "signed") + ", max wait " + maxWait + ")";
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
        return new ServerConfig(value, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withPort(int value) {
        return new ServerConfig(host, value, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withEventLoops(int value) {
        return new ServerConfig(host, port, value, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withClients(List<ClientConfig> value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, value, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withAuditMask(List<String> value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, value, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withWatch(boolean value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, value, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withForwardAuth(ForwardAuth value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, value, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withNode(String value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, value, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withCluster(ClusterSettings value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, value, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withReviewers(ReviewerDirectory value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, value, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withApprovals(Approvals value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, value, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withDataDir(Path value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, value, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withDecisionCacheSize(int value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, value, maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withMaxEvaluationTime(Duration value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, value, chat, auditRefuses);
    }

    public ServerConfig withChat(ChatSettings value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, value, auditRefuses);
    }

    /** With {@code audit.on_failure} {@code refuse} ({@code true}) or {@code allow}. */
    public ServerConfig withAuditRefuses(boolean value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals,
                decisionCacheSize, maxEvaluationTime, chat, value);
    }

    /** With {@code decisions.retention} and {@code decisions.max_records}. */
    public ServerConfig withDecisionRecords(Duration retention, int maxRecords) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask, auditMaxFileBytes,
                watch, reloadDebounce, forwardAuth, retention, maxRecords, node, cluster, reviewers, approvals, decisionCacheSize,
                maxEvaluationTime, chat, auditRefuses);
    }

    public ServerConfig withBundle(Path value) {
        return new ServerConfig(host, port, eventLoops, maxBodyBytes, maxDepth, value, dataDir, clients, auditMask, auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node, cluster, reviewers, approvals, decisionCacheSize, maxEvaluationTime, chat, auditRefuses);
    }

}
