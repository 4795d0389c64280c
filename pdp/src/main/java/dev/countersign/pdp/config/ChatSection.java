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
    private static final Set<String> KINDS = Set.of("slack", "teams", "webhook");

    private ChatSection() {
    }

    static ChatSettings read(Settings r, JsonNode root) throws ConfigException {
        JsonNode connectors = r.object(root, "connectors");
        r.keys(connectors, "connectors", Set.of("slack", "teams", "webhook"));
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
        ChatSettings.Teams teams = teams(r, connectors.get("teams"));
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
        if (teams != null) {
            configured.add("teams");
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
        return new ChatSettings(slack, teams, webhook, routes, new ChatSettings.Reminders(after, every, escalate), publicUrl);
    }

    private static ChatSettings.Teams teams(Settings r, JsonNode t) throws ConfigException {
        if (t == null || t.isNull()) {
            return null;
        }
        r.keys(t, "connectors.teams", Set.of("app_id", "app_password", "tenant_id", "token_url", "openid_metadata_url", "service_url"));
        String app = r.required(t, "connectors.teams.app_id");
        if (!GUID.matcher(app).matches()) {
            throw r.error("connectors.teams.app_id " + shown(app) + " is not a Microsoft App ID (a GUID such as 00000000-0000-0000-0000-000000000000,"
                    + " from the bot's registration)");
        }
        String password = r.required(t, "connectors.teams.app_password");
        String tenant = r.required(t, "connectors.teams.tenant_id");
        if (!GUID.matcher(tenant).matches()) {
            throw r.error("connectors.teams.tenant_id " + shown(tenant) + " is not a tenant id (a GUID, the Directory (tenant) ID of"
                    + " the organisation whose reviewers vote)");
        }
        String token = url(r, t, "connectors.teams.token_url", ChatSettings.Teams.TOKEN_URL);
        String metadata = url(r, t, "connectors.teams.openid_metadata_url", ChatSettings.Teams.OPENID_METADATA_URL);
        String service = url(r, t, "connectors.teams.service_url", ChatSettings.Teams.SERVICE_URL);
        return new ChatSettings.Teams(app.toLowerCase(java.util.Locale.ROOT), password, tenant.toLowerCase(java.util.Locale.ROOT), token,
                metadata, service.endsWith("/") ? service : service + "/");
    }

    private static final java.util.regex.Pattern GUID = java.util.regex.Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** An http(s) URL with a host, no credentials and no fragment, or {@code otherwise}. */
    private static String url(Settings r, JsonNode node, String key, String otherwise) throws ConfigException {
        String value = r.text(node, key, otherwise);
        try {
            java.net.URI uri = new java.net.URI(value.replace("{tenant}", "tenant"));
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawFragment() == null) {
                return value;
            }
        } catch (java.net.URISyntaxException e) {
            // refused below
        }
        throw r.error(key + " must be an http(s) URL without credentials, such as " + otherwise);
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
                    throw r.error(key + "[" + i + "] " + shown(spec) + " names no known connector; a destination is slack:<channel id>, teams:<conversation id> or webhook:<https URL>");
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
