package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code forward_auth}: how a gateway's request becomes an action context, and which gateways are
 * trusted by address. Each {@code trusted_sources} entry is one principal: a bare block
 * ({@code "10.0.0.0/8"}, named {@code trusted:10.0.0.0/8}) or {@code {name, cidr, rate}}.
 */
final class ForwardAuthSection {
    private static final String FORMS = "an address block such as \"10.0.0.0/8\" or a mapping such as"
            + " {name: traefik, cidr: \"10.1.0.0/16\", rate: {per_second: 500}}";

    private ForwardAuthSection() {
    }

    static ServerConfig.ForwardAuth read(Settings r, JsonNode forward, List<ClientConfig> clients) throws ConfigException {
        r.keys(forward, "forward_auth", Set.of("identity_header", "actor_type", "package", "trusted_sources", "trusted_hops"));
        int trustedHops = r.integer(forward, "forward_auth.trusted_hops", 1);
        if (trustedHops < 1) {
            throw r.error("forward_auth.trusted_hops must be at least 1 (the gateway itself)");
        }
        return new ServerConfig.ForwardAuth(r.text(forward, "forward_auth.identity_header", "X-Forwarded-User"),
                r.text(forward, "forward_auth.actor_type", "human"),
                r.text(forward, "forward_auth.package", ""),
                trustedSources(r, forward.get("trusted_sources"), clients),
                trustedHops);
    }

    private static List<TrustedSource> trustedSources(Settings r, JsonNode list, List<ClientConfig> clients) throws ConfigException {
        List<TrustedSource> sources = new ArrayList<>();
        if (list == null || list.isNull()) {
            return sources;
        }
        if (!list.isArray()) {
            throw r.error("forward_auth.trusted_sources must be a list, each entry " + FORMS);
        }
        Set<String> clientNames = new HashSet<>();
        clients.forEach(c -> clientNames.add(c.name()));
        Map<String, Integer> names = new HashMap<>();
        Map<Cidr, Integer> blocks = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "forward_auth.trusted_sources[" + i + "]";
            TrustedSource source = entry(r, list.get(i), at);
            Integer sameName = names.putIfAbsent(source.name(), i);
            if (sameName != null) {
                throw r.error(at + " is named " + source.name() + ", as entry [" + sameName + "] is; each entry is one principal"
                        + " and needs a name of its own");
            }
            Integer sameBlock = blocks.putIfAbsent(source.block(), i);
            if (sameBlock != null) {
                throw r.error(at + " (" + source.name() + ") is the block " + source.block() + " of entry [" + sameBlock
                        + "] again; an address must name one principal");
            }
            if (clientNames.contains(source.name())) {
                throw r.error(at + " is named " + source.name() + ", as a client is; a trusted source is a principal of its own,"
                        + " so give it another name");
            }
            sources.add(source);
        }
        return sources;
    }

    private static TrustedSource entry(Settings r, JsonNode entry, String at) throws ConfigException {
        if (entry.isTextual()) {
            String problem = Cidr.problem(entry.asText());
            if (problem != null) {
                throw r.error(at + ": " + problem);
            }
            return TrustedSource.bare(entry.asText());
        }
        if (!entry.isObject()) {
            throw r.error(at + " must be " + FORMS + ", got " + entry);
        }
        r.keys(entry, at, Set.of("name", "cidr", "rate"));
        String name = r.required(entry, at + ".name").trim();
        String cidr = r.required(entry, at + ".cidr");
        String problem = Cidr.problem(cidr);
        if (problem != null) {
            throw r.error(at + ".cidr of " + name + ": " + problem);
        }
        return new TrustedSource(name, Cidr.parse(cidr), RateSection.read(r, entry, at + ".rate", "trusted source " + name));
    }
}
