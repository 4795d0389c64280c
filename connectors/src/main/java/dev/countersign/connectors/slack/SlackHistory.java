package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Sent;
import io.vertx.core.Future;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds a card already posted, in a conversation's history ({@code conversations.history}, scopes
 * {@code channels:history}, {@code groups:history} or {@code im:history} by the kind of
 * conversation): the top-level messages after {@code since}, {@value #PAGE} a page, at most
 * {@value #MAX_PAGES} pages, newest first as Slack gives them.
 *
 * <p>A message is the card of approval X when this connector's bot posted it ({@link SlackBot#posted},
 * against {@code auth.test}), it is not a reply (its {@code thread_ts}, if any, is its own
 * {@code ts}: a reply broadcast to the channel is shown there too), and its metadata is
 * {@link SlackCardMetadata} naming X. Of several, the oldest is the card.
 *
 * <p>When the pages read end before the history does, the oldest card among them is the answer;
 * with none among them the search fails permanently with {@value #TOO_MUCH_HISTORY}: a card may be
 * further back, and saying "none" would have the caller post a second one.
 */
final class SlackHistory {
    static final int PAGE = 200;
    static final int MAX_PAGES = 5;
    static final String TOO_MUCH_HISTORY = "too_much_history";
    private static final Pattern TS = Pattern.compile("[0-9]{1,12}\\.[0-9]{1,9}");

    private final SlackWebApi api;
    private final SlackIdentity identity;

    private record Card(String ts, BigDecimal at) {
    }

    SlackHistory(SlackWebApi api, SlackIdentity identity) {
        this.api = api;
        this.identity = identity;
    }

    /** The card of {@code approvalId} posted in the conversation {@code to} names (an id) after {@code since}. */
    Future<Optional<Sent>> find(Destination to, String approvalId, Instant since) {
        String oldest = oldest(since);
        return identity.bot().compose(bot -> page(to, bot, approvalId, oldest, null, 1, null))
                .map(card -> card.map(c -> new Sent(to, to.target(), c.ts())));
    }

    private Future<Optional<Card>> page(Destination to, SlackBot bot, String approvalId, String oldest, String cursor, int number, Card best) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("channel", to.target());
        query.put("oldest", oldest);
        query.put("include_all_metadata", "true");
        query.put("limit", Integer.toString(PAGE));
        if (cursor != null) {
            query.put("cursor", cursor);
        }
        return api.get("conversations.history", query, "of " + to.target()).compose(answer -> {
            JsonNode messages = answer.path("messages");
            if (!messages.isArray()) {
                return Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer",
                        "Slack's conversations.history answer of " + to.target() + " carries no messages"));
            }
            Card oldestCard = best;
            for (JsonNode message : messages) {
                Card card = card(message, bot, approvalId);
                if (card != null && (oldestCard == null || card.at().compareTo(oldestCard.at()) < 0)) {
                    oldestCard = card;
                }
            }
            String next = answer.path("response_metadata").path("next_cursor").asText("");
            boolean incomplete = answer.path("has_more").asBoolean(false) || !next.isEmpty();
            if (!incomplete) {
                return Future.succeededFuture(Optional.ofNullable(oldestCard));
            }
            if (number < MAX_PAGES && !next.isEmpty()) {
                return page(to, bot, approvalId, oldest, next, number + 1, oldestCard);
            }
            if (oldestCard != null) {
                return Future.succeededFuture(Optional.of(oldestCard));
            }
            return Future.failedFuture(ConnectorFailure.permanent(TOO_MUCH_HISTORY, "the card of " + SlackIds.shown(approvalId)
                    + " is not among the last " + number * PAGE + " messages of " + to.target() + " since " + oldest
                    + ", and the history goes further back; it may or may not have been posted"));
        });
    }

    /** {@code message} as the card of {@code approvalId} posted by {@code bot}, or null when it is not that. */
    private static Card card(JsonNode message, SlackBot bot, String approvalId) {
        String ts = message.path("ts").textValue();
        if (ts == null || !TS.matcher(ts).matches()) {
            return null;
        }
        String thread = message.path("thread_ts").textValue();
        if (thread != null && !thread.equals(ts)) {
            return null;
        }
        if (!bot.posted(message) || !approvalId.equals(SlackCardMetadata.approvalId(message))) {
            return null;
        }
        return new Card(ts, new BigDecimal(ts));
    }

    /** {@code since} as Slack's {@code oldest}: Unix seconds with six decimals ({@code 1405894322.002768}); the epoch for anything before it. */
    static String oldest(Instant since) {
        if (since.isBefore(Instant.EPOCH)) {
            return "0.000000";
        }
        return since.getEpochSecond() + "." + String.format("%06d", since.getNano() / 1000);
    }
}
