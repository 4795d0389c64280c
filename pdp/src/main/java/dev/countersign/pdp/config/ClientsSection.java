package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code clients}: the API's callers, each with the SHA-256 of its bearer token, its scopes, the
 * reviewer it votes as, and the rate it may call at on each node.
 */
final class ClientsSection {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private ClientsSection() {
    }

    static List<ClientConfig> read(Settings r, JsonNode list) throws ConfigException {
        List<ClientConfig> clients = new ArrayList<>();
        if (list == null || list.isNull()) {
            return clients;
        }
        if (!list.isArray()) {
            throw r.error("clients must be a list of {name, token_sha256, scopes}");
        }
        Set<String> names = new HashSet<>();
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "clients[" + i + "]";
            JsonNode c = list.get(i);
            if (!c.isObject()) {
                throw r.error(at + " must be a mapping with name, token_sha256 and scopes");
            }
            r.keys(c, at, Set.of("name", "token_sha256", "scopes", "reviewer", "rate", "actor"));
            String name = r.required(c, at + ".name");
            String hash = r.required(c, at + ".token_sha256").toLowerCase();
            if (!SHA256_HEX.matcher(hash).matches()) {
                throw r.error(at + ".token_sha256 of client " + name
                        + " must be the hex SHA-256 of its bearer token (64 hex digits), e.g. from: printf %s \"$TOKEN\" | sha256sum");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String s : r.texts(c, at + ".scopes")) {
                Scope scope = Scope.fromWire(s);
                if (scope == null) {
                    throw r.error(at + ".scopes: unknown scope \"" + s + "\"; scopes are decide, review, admin");
                }
                scopes.add(scope);
            }
            if (scopes.isEmpty()) {
                throw r.error(at + " (" + name + ") has no scopes; give it some of decide, review, admin");
            }
            if (!names.add(name)) {
                throw r.error("client name " + name + " is used twice");
            }
            if (!tokens.add(hash)) {
                throw r.error(at + " (" + name + ") has the same token as another client");
            }
            String reviewer = r.text(c, at + ".reviewer", null);
            clients.add(new ClientConfig(name, hash, scopes, reviewer, RateSection.read(r, c, at + ".rate", "client " + name),
                    actor(r, c, at + ".actor", name)));
        }
        return clients;
    }

    /** {@code actor: {id, type, on_behalf_of}}, or null when the entry has none; {@code id} defaults to the client's name, {@code type} to agent. */
    private static ClientConfig.AgentActor actor(Settings r, JsonNode client, String at, String name) throws ConfigException {
        JsonNode node = client.get("actor");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw r.error(at + " must be a mapping such as {id: agent:etl-bot, type: agent, on_behalf_of: alice@example.com}");
        }
        r.keys(node, at, Set.of("id", "type", "on_behalf_of"));
        String id = r.text(node, at + ".id", name);
        String type = r.text(node, at + ".type", "agent");
        if (id.isBlank() || type.isBlank()) {
            throw r.error(at + ".id and " + at + ".type must not be empty");
        }
        return new ClientConfig.AgentActor(id, type, r.text(node, at + ".on_behalf_of", null));
    }
}
