package dev.countersign.pdp.config;

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
        String node) {

    public ServerConfig {
        clients = List.copyOf(clients);
        auditMask = List.copyOf(auditMask);
    }

    /**
     * How {@code /v1/authz/forward} turns a gateway's request into an action context.
     * {@code trustedHops} is the number of proxies (the gateway included) whose {@code X-Forwarded-For}
     * entries are trusted: the client address is the entry that many places from the right.
     */
    public record ForwardAuth(String identityHeader, String actorType, String packageScope, List<String> trustedSources,
                              int trustedHops) {
        public ForwardAuth {
            trustedSources = List.copyOf(trustedSources);
            if (trustedHops < 1) {
                throw new IllegalArgumentException("forward_auth.trusted_hops must be at least 1");
            }
        }

        /** One trusted hop: the gateway itself. */
        public ForwardAuth(String identityHeader, String actorType, String packageScope, List<String> trustedSources) {
            this(identityHeader, actorType, packageScope, trustedSources, 1);
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

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, eventLoops, maxBodyBytes, maxDepth, bundle, dataDir, clients, auditMask,
                auditMaxFileBytes, watch, reloadDebounce, forwardAuth, decisionRetention, decisionMaxRecords, node);
    }
}
