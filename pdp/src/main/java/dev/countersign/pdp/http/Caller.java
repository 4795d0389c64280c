package dev.countersign.pdp.http;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.TrustedSource;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who is calling: a configured client, a gateway calling from a {@code forward_auth.trusted_sources}
 * entry (one principal per entry, named after it), or, on a node without clients (loopback only),
 * the local anonymous caller, who has every scope. {@code reviewer} is the identity a client votes
 * as; {@code rate} the bucket it is limited by on this node (null: unlimited), shared by every
 * request of the principal.
 */
public record Caller(String name, Set<Scope> scopes, String reviewer, boolean authenticated, RateLimit rate) {
    public static final String CONTEXT_KEY = "countersign.caller";
    private static final Caller LOCAL = new Caller("anonymous", EnumSet.allOf(Scope.class), null, false, null);

    public static Caller local() {
        return LOCAL;
    }

    /** A configured client, limited by {@code rate} (null: unlimited). */
    public static Caller of(ClientConfig client, RateLimit rate) {
        return new Caller(client.name(), client.scopes(), client.reviewer(), true, rate);
    }

    /** The principal of a trusted source: it may ask for decisions through forward-auth and ext_authz, nothing else. */
    public static Caller of(TrustedSource source) {
        return new Caller(source.name(), Set.of(Scope.DECIDE), null, true, source.rate() == null ? null : new RateLimit(source.rate()));
    }

    /** Whether this is the local anonymous caller of a node without clients, who may see and do everything. */
    public boolean isLocal() {
        return this == LOCAL;
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }
}
