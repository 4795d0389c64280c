package dev.countersign.pdp.config;

import java.util.Set;

/**
 * A caller of the API: its name (in logs and the audit log), the SHA-256 of its bearer token (hex,
 * lowercase), its scopes, for a client that votes on approvals the reviewer identity it votes as,
 * the rate it may call at on each node (null: unlimited), and the actor its agents' tool calls are
 * decided as (null: an actor of type {@code agent} named after the client).
 */
public record ClientConfig(String name, String tokenSha256, Set<Scope> scopes, String reviewer, Rate rate, AgentActor actor) {
    public ClientConfig {
        scopes = Set.copyOf(scopes);
    }

    /**
     * {@code actor: {id, type, on_behalf_of}} of a client entry: who an MCP tool call or an agent hook
     * of this client is, as the rules see it ({@code Actor(id, type, onBehalfOf)}).
     */
    public record AgentActor(String id, String type, String onBehalfOf) {
    }

    public ClientConfig(String name, String tokenSha256, Set<Scope> scopes, String reviewer, Rate rate) {
        this(name, tokenSha256, scopes, reviewer, rate, null);
    }

    /** The actor block, or the default: an agent named after the client. */
    public AgentActor agentActor() {
        return actor != null ? actor : new AgentActor(name, "agent", null);
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
