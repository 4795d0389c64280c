package dev.countersign.pdp.http;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.config.Scope;
import java.util.EnumSet;
import java.util.Set;

/**
 * Who is calling: a configured client, or, on a node without clients (loopback only), the local
 * anonymous caller, who has every scope. {@code reviewer} is the identity a client votes as.
 */
public record Caller(String name, Set<Scope> scopes, String reviewer, boolean authenticated) {
    public static final String CONTEXT_KEY = "countersign.caller";
    private static final Caller LOCAL = new Caller("anonymous", EnumSet.allOf(Scope.class), null, false);

    public static Caller local() {
        return LOCAL;
    }

    public static Caller of(ClientConfig client) {
        return new Caller(client.name(), client.scopes(), client.reviewer(), true);
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }
}
