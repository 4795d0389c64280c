package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** {@code forward_auth}: how a gateway's request becomes an action context, and which gateways are trusted by address. */
final class ForwardAuthSection {
    private ForwardAuthSection() {
    }

    static ServerConfig.ForwardAuth read(Settings r, JsonNode forward) throws ConfigException {
        r.keys(forward, "forward_auth", Set.of("identity_header", "actor_type", "package", "trusted_sources", "trusted_hops"));
        int trustedHops = r.integer(forward, "forward_auth.trusted_hops", 1);
        if (trustedHops < 1) {
            throw r.error("forward_auth.trusted_hops must be at least 1 (the gateway itself)");
        }
        ServerConfig.ForwardAuth forwardAuth = new ServerConfig.ForwardAuth(
                r.text(forward, "forward_auth.identity_header", "X-Forwarded-User"),
                r.text(forward, "forward_auth.actor_type", "human"),
                r.text(forward, "forward_auth.package", ""),
                r.texts(forward, "forward_auth.trusted_sources"),
                trustedHops);
        for (String cidr : forwardAuth.trustedSources()) {
            if (!Cidr.isValid(cidr)) {
                throw r.error("forward_auth.trusted_sources entry \"" + cidr + "\" is not an address or CIDR block such as 10.0.0.0/8");
            }
        }
        return forwardAuth;
    }
}
