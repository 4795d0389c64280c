package dev.countersign.pdp.config;

import java.util.Set;

/**
 * A caller of the API: its name (in logs and the audit log), the SHA-256 of its bearer token (hex,
 * lowercase), its scopes, for a client that votes on approvals the reviewer identity it votes as,
 * and the rate it may call at on each node (null: unlimited).
 */
public record ClientConfig(String name, String tokenSha256, Set<Scope> scopes, String reviewer, Rate rate) {
    public ClientConfig {
        scopes = Set.copyOf(scopes);
    }

    /** A client without a rate limit. */
    public ClientConfig(String name, String tokenSha256, Set<Scope> scopes, String reviewer) {
        this(name, tokenSha256, scopes, reviewer, null);
    }

    /** Never prints the token hash. */
    @Override
    public String toString() {
        return "client " + name + " " + scopes + (rate == null ? "" : " at " + rate.perSecond() + "/s");
    }
}
