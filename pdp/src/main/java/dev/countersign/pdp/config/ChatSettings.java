package dev.countersign.pdp.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where approvals are shown to reviewers and sent as events: the connectors configured
 * ({@code connectors}), the destinations of each group of reviewers ({@code routes}, {@code "*"}
 * for groups without a route of their own), and the reminders of approvals still pending
 * ({@code reminders}), and the base URL cards link approvals under ({@code server.public_url}, null
 * for no link). Never prints a secret.
 */
public record ChatSettings(Slack slack, Teams teams, Webhook webhook, Map<String, List<String>> routes, Reminders reminders,
                           String publicUrl) {
    /** The route of every group without a route of its own. */
    public static final String FALLBACK = "*";

    public ChatSettings {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        routes.forEach((group, destinations) -> copy.put(group, List.copyOf(destinations)));
        routes = Collections.unmodifiableMap(copy);
        reminders = reminders == null ? Reminders.NONE : reminders;
    }

    /** Without Teams. */
    public ChatSettings(Slack slack, Webhook webhook, Map<String, List<String>> routes, Reminders reminders, String publicUrl) {
        this(slack, null, webhook, routes, reminders, publicUrl);
    }

    /** No connector, no route, no reminder. */
    public static final ChatSettings NONE = new ChatSettings(null, null, null, Map.of(), Reminders.NONE, null);

    public ChatSettings withPublicUrl(String url) {
        return new ChatSettings(slack, teams, webhook, routes, reminders, url);
    }

    public ChatSettings withTeams(Teams teams) {
        return new ChatSettings(slack, teams, webhook, routes, reminders, publicUrl);
    }

    /**
     * {@code connectors.slack}: the bot token chat calls are made with, the signing secret clicks are
     * checked with, the Web API's base URL, and the workspace clicks must come from (null: the one
     * {@code auth.test} names for the token).
     */
    public record Slack(String botToken, String signingSecret, String apiBase, String teamId) {
        @Override
        public String toString() {
            return "slack (" + apiBase + (teamId == null ? "" : ", team " + teamId) + ")";
        }
    }

    /**
     * {@code connectors.teams}: the bot's Microsoft App ID and password (client credentials), the
     * tenant whose reviewers may vote, where tokens come from ({@code {tenant}} replaced by the
     * tenant), where the Bot Framework's signing keys are published, and the Bot Connector's base URL
     * (ending with {@code /}).
     */
    public record Teams(String appId, String appPassword, String tenantId, String tokenUrl, String openidMetadataUrl,
                        String serviceUrl) {
        public static final String TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token";
        public static final String OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration";
        public static final String SERVICE_URL = "https://smba.trafficmanager.net/teams/";

        @Override
        public String toString() {
            return "teams (app " + appId + ", tenant " + tenantId + ", " + serviceUrl + ")";
        }
    }

    /** {@code connectors.webhook}: the secret deliveries are signed with, and hosts allowed besides public ones. */
    public record Webhook(String secret, List<String> hosts) {
        public Webhook {
            hosts = List.copyOf(hosts);
        }

        @Override
        public String toString() {
            return "webhook (signed" + (hosts.isEmpty() ? "" : ", also to " + hosts) + ")";
        }
    }

    /**
     * {@code reminders}: the first reminder of a pending approval {@code after} its creation, then one
     * {@code every} (null: only one), and per group the destinations added at the first reminder
     * ({@code escalate_to}). No {@code after}: no reminders.
     */
    public record Reminders(Duration after, Duration every, Map<String, List<String>> escalateTo) {
        public static final Reminders NONE = new Reminders(null, null, Map.of());

        public Reminders {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            escalateTo.forEach((group, destinations) -> copy.put(group, List.copyOf(destinations)));
            escalateTo = Collections.unmodifiableMap(copy);
        }
    }

    /** The destinations an approval needing {@code groups} goes to: each group's route, or the fallback's; each once, in order. */
    public List<String> destinationsOf(List<String> groups) {
        Set<String> all = new LinkedHashSet<>();
        for (String group : groups) {
            List<String> own = routes.get(group);
            all.addAll(own != null ? own : routes.getOrDefault(FALLBACK, List.of()));
        }
        return List.copyOf(all);
    }

    /** The destinations added at the first reminder of an approval whose {@code shortGroups} still need approvals. */
    public List<String> escalationOf(List<String> shortGroups) {
        Set<String> all = new LinkedHashSet<>();
        for (String group : shortGroups) {
            all.addAll(reminders.escalateTo().getOrDefault(group, List.of()));
        }
        return List.copyOf(all);
    }

    /** Every destination named anywhere, with the key that names it (for checking them at start). */
    public Map<String, String> everyDestination() {
        Map<String, String> all = new LinkedHashMap<>();
        routes.forEach((group, list) -> {
            for (int i = 0; i < list.size(); i++) {
                all.putIfAbsent(list.get(i), "routes." + group + "[" + i + "]");
            }
        });
        reminders.escalateTo().forEach((group, list) -> {
            for (int i = 0; i < list.size(); i++) {
                all.putIfAbsent(list.get(i), "reminders.escalate_to." + group + "[" + i + "]");
            }
        });
        return all;
    }
}
