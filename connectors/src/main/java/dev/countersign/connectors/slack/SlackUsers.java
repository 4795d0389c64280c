package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ConnectorFailure;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slack users by id, from {@code users.info} (scope {@code users:read}; the email needs
 * {@code users:read.email}), kept in a bounded cache for a while: at most {@code size} users, each
 * for {@code ttl}, the least recently used going first. Failures are not kept.
 */
final class SlackUsers {
    private final SlackWebApi api;
    private final int size;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Kept> kept;

    private record Kept(SlackUser user, Instant until) {
    }

    SlackUsers(SlackWebApi api, int size, Duration ttl, Clock clock) {
        this.api = api;
        this.size = size;
        this.ttl = ttl;
        this.clock = clock;
        this.kept = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
                return size() > SlackUsers.this.size;
            }
        };
    }

    Future<SlackUser> user(String id) {
        if (!SlackIds.isUser(id)) {
            return Future.failedFuture(new IllegalArgumentException(SlackIds.shown(String.valueOf(id)) + " is not a Slack user id, such as U0123456789"));
        }
        SlackUser known = cached(id);
        if (known != null) {
            return Future.succeededFuture(known);
        }
        return api.get("users.info", Map.of("user", id), "for " + id).compose(answer -> {
            SlackUser user = parse(answer.path("user"));
            if (user == null || !id.equals(user.id())) {
                return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer", "Slack's users.info answer for " + id + " names no such user"));
            }
            keep(user);
            return Future.succeededFuture(user);
        });
    }

    /** A user from a {@code users.info} or {@code users.lookupByEmail} answer's {@code user}, or null. */
    static SlackUser parse(JsonNode user) {
        String id = user.path("id").textValue();
        if (!SlackIds.isUser(id)) {
            return null;
        }
        String email = user.path("profile").path("email").textValue();
        return new SlackUser(id, user.path("team_id").textValue(), user.path("name").textValue(),
                email == null || email.isBlank() ? null : email, user.path("deleted").asBoolean(false), user.path("is_bot").asBoolean(false));
    }

    private synchronized SlackUser cached(String id) {
        Kept k = kept.get(id);
        if (k == null) {
            return null;
        }
        if (!clock.instant().isBefore(k.until())) {
            kept.remove(id);
            return null;
        }
        return k.user();
    }

    private synchronized void keep(SlackUser user) {
        kept.put(user.id(), new Kept(user, clock.instant().plus(ttl)));
    }

    synchronized int size() {
        return kept.size();
    }
}
