package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.pdp.approval.CallbackDestinations;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code connectors}, {@code routes} and {@code reminders}. A route or escalation naming a kind of
 * destination that is not configured is an error naming its key; each destination's own form (a
 * channel id, a URL) is checked by its connector when the node starts.
 */
final class ChatSection {
    private static final Set<String> KINDS = Set.of("slack", "webhook");

    private ChatSection() {
    }

    static ChatSettings read(Settings r, JsonNode root) throws ConfigException {
        JsonNode connectors = r.object(root, "connectors");
        r.keys(connectors, "connectors", Set.of("slack", "webhook"));
        ChatSettings.Slack slack = null;
        JsonNode s = connectors.get("slack");
        if (s != null && !s.isNull()) {
            r.keys(s, "connectors.slack", Set.of("bot_token", "signing_secret", "api_base", "team_id"));
            String token = r.required(s, "connectors.slack.bot_token");
            if (!token.startsWith("xoxb-")) {
                throw r.error("connectors.slack.bot_token is not a bot token (those start with xoxb-); give the app's Bot User OAuth Token");
            }
            String signing = r.required(s, "connectors.slack.signing_secret");
            String base = r.text(s, "connectors.slack.api_base", "https://slack.com/api");
            if (!base.startsWith("https://") && !base.startsWith("http://")) {
                throw r.error("connectors.slack.api_base must be an http(s) URL, such as https://slack.com/api");
            }
            String team = r.text(s, "connectors.slack.team_id", null);
            if (team != null && !team.matches("[TE][A-Z0-9]{2,30}")) {
                throw r.error("connectors.slack.team_id " + team + " is not a Slack workspace id (such as T0123ABCD)");
            }
            slack = new ChatSettings.Slack(token, signing, base.endsWith("/") ? base.substring(0, base.length() - 1) : base, team);
        }
        ChatSettings.Webhook webhook = null;
        JsonNode w = connectors.get("webhook");
        if (w != null && !w.isNull()) {
            r.keys(w, "connectors.webhook", Set.of("secret", "hosts"));
            String secret = r.required(w, "connectors.webhook.secret");
            if (secret.length() < 16) {
                throw r.error("connectors.webhook.secret must be at least 16 characters");
            }
            List<String> hosts = r.texts(w, "connectors.webhook.hosts");
            for (String h : hosts) {
                String why = CallbackDestinations.invalidEntry(h);
                if (why != null) {
                    throw r.error("connectors.webhook.hosts: " + why);
                }
            }
            webhook = new ChatSettings.Webhook(secret, hosts);
        }
        Set<String> configured = new java.util.HashSet<>();
        if (slack != null) {
            configured.add("slack");
        }
        if (webhook != null) {
            configured.add("webhook");
        }
        Map<String, List<String>> routes = groups(r, root.get("routes"), "routes", configured);

        JsonNode reminders = r.object(root, "reminders");
        r.keys(reminders, "reminders", Set.of("after", "every", "escalate_to"));
        Duration after = r.duration(reminders, "reminders.after", null);
        Duration every = r.duration(reminders, "reminders.every", null);
        for (Map.Entry<String, Duration> d : Map.of("reminders.after", after == null ? Duration.ofMinutes(1) : after,
                "reminders.every", every == null ? Duration.ofMinutes(1) : every).entrySet()) {
            if (d.getValue().compareTo(Duration.ofSeconds(10)) < 0) {
                throw r.error(d.getKey() + " " + d.getValue() + " is too short; reminders come at least 10 seconds apart");
            }
        }
        if (after == null && (every != null || reminders.has("escalate_to"))) {
            throw r.error("reminders.every and reminders.escalate_to need reminders.after, the time of the first reminder");
        }
        Map<String, List<String>> escalate = groups(r, reminders.get("escalate_to"), "reminders.escalate_to", configured);
        if (escalate.containsKey(ChatSettings.FALLBACK)) {
            throw r.error("reminders.escalate_to names groups; \"*\" is only for routes");
        }
        String publicUrl = r.text(r.object(root, "server"), "server.public_url", null);
        if (publicUrl != null) {
            java.net.URI uri;
            try {
                uri = new java.net.URI(publicUrl);
            } catch (java.net.URISyntaxException e) {
                throw r.error("server.public_url is not a URL");
            }
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null || uri.getRawQuery() != null
                    || uri.getRawFragment() != null) {
                throw r.error("server.public_url must be the http(s) base URL callers reach this deployment at, such as"
                        + " https://countersign.example.com");
            }
            publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        }
        return new ChatSettings(slack, webhook, routes, new ChatSettings.Reminders(after, every, escalate), publicUrl);
    }

    private static Map<String, List<String>> groups(Settings r, JsonNode node, String at, Set<String> configured) throws ConfigException {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return groups;
        }
        if (!node.isObject()) {
            throw r.error(at + " must map group names to lists of destinations, such as security: [\"slack:C0SECURITY\"]");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> group = fields.next();
            String key = at + "." + group.getKey();
            List<String> destinations = r.texts(node, key, group.getKey());
            for (int i = 0; i < destinations.size(); i++) {
                String spec = destinations.get(i);
                int colon = spec.indexOf(':');
                String kind = colon <= 0 ? "" : spec.substring(0, colon);
                if (!KINDS.contains(kind)) {
                    throw r.error(key + "[" + i + "] " + shown(spec) + " names no known connector; a destination is slack:<channel id> or webhook:<https URL>");
                }
                if (!configured.contains(kind)) {
                    throw r.error(key + "[" + i + "] goes to " + kind + ", but connectors." + kind + " is not configured");
                }
            }
            groups.put(group.getKey(), destinations);
        }
        return groups;
    }

    /** A spec as it may be shown: a URL without its path and query, which may hold a secret. */
    private static String shown(String spec) {
        int scheme = spec.indexOf("://");
        if (scheme < 0) {
            return spec.length() > 80 ? spec.substring(0, 80) + "…" : spec;
        }
        int path = spec.indexOf('/', scheme + 3);
        return path < 0 ? spec : spec.substring(0, path) + "/…";
    }
}
