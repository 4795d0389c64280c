package dev.countersign.pdp.config;

import java.util.Set;

/**
 * A caller of the API: its name (in logs and the audit log), the SHA-256 of its bearer token (hex,
 * lowercase), its scopes, and, for a client that votes on approvals, the reviewer identity it votes as.
 */
public record ClientConfig(String name, String tokenSha256, Set<Scope> scopes, String reviewer) {
    public ClientConfig {
        scopes = Set.copyOf(scopes);
    }

    /** Never prints the token hash. */
    @Override
    public String toString() {
        return "client " + name + " " + scopes;
    }
}
