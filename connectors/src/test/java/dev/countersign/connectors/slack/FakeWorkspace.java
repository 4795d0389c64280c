package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The state of {@link FakeSlack}'s workspace: channels (with whether the bot is in them and whether
 * they are archived), users, the messages of every conversation with their threads, authors and
 * metadata, the trigger ids and response URLs it handed out, and the views opened. Synchronized:
 * the fake's event loop writes, tests read.
 *
 * <p>A message's {@code ts} is, as in Slack, the time it was posted in microseconds
 * ({@code "1767000000.000123"}), made greater than every earlier one of its channel.
 */
final class FakeWorkspace {
    record Channel(String id, String name, boolean botIsMember, boolean archived) {
    }

    record User(String id, String email, boolean deleted) {
    }

    /** Who posted a message: a user id, and the bot id when an app's bot did. */
    record Author(String user, String botId) {
        /** The bot of the token the fake serves. */
        static final Author BOT = new Author(FakeSlack.BOT_USER, FakeSlack.BOT_ID);
        /** A person of the workspace. */
        static final Author PERSON = new Author("U0SOMEONE", null);
        /** The bot of another app installed in the workspace. */
        static final Author OTHER_APP = new Author(FakeSlack.OTHER_APP_USER, FakeSlack.OTHER_APP_BOT_ID);
    }

    static final class Stored {
        final String channel;
        final String ts;
        final String threadTs;
        final Author author;
        final boolean byBot;
        final boolean broadcast;
        String text;
        JsonNode blocks;
        JsonNode metadata;
        int edits;
        final List<String> replies = new ArrayList<>();

        Stored(String channel, String ts, String threadTs, Author author, boolean broadcast, String text, JsonNode blocks, JsonNode metadata) {
            this.channel = channel;
            this.ts = ts;
            this.threadTs = threadTs;
            this.author = author;
            this.byBot = Author.BOT.equals(author);
            this.broadcast = broadcast;
            this.text = text;
            this.blocks = blocks;
            this.metadata = metadata;
        }

        PostedMessage snapshot() {
            return new PostedMessage(channel, ts, threadTs, text, blocks.deepCopy(), byBot, edits, replies.size(), author.user(),
                    author.botId(), metadata == null ? null : metadata.deepCopy(), broadcast);
        }
    }

    record Trigger(Instant issued, boolean used) {
    }

    record ResponseUrl(Instant issued, int uses) {
    }

    private final long epoch = Instant.now().getEpochSecond();
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, String> directChannels = new HashMap<>();
    private final Map<String, Map<String, Stored>> messages = new HashMap<>();
    private final Map<String, Long> lastMicros = new HashMap<>();
    private final Map<String, Trigger> triggers = new HashMap<>();
    private final Map<String, ResponseUrl> responseUrls = new HashMap<>();
    private final List<JsonNode> views = new ArrayList<>();
    private final List<JsonNode> responses = new ArrayList<>();

    synchronized void channel(String id, String name, boolean botIsMember, boolean archived) {
        channels.put(id, new Channel(id, name, botIsMember, archived));
    }

    synchronized void user(String id, String email, boolean deleted) {
        users.put(id, new User(id, email, deleted));
    }

    synchronized User user(String id) {
        return users.get(id);
    }

    synchronized User userByEmail(String email) {
        return users.values().stream().filter(u -> u.email() != null && u.email().equalsIgnoreCase(email)).findFirst().orElse(null);
    }

    /**
     * The conversation {@code channel} names for posting: a channel by id or name ({@code #name} or
     * {@code name}), or a user id, which is the bot's direct-message channel with that user.
     */
    synchronized Channel forPosting(String channel) {
        Channel byId = channels.get(channel);
        if (byId != null) {
            return byId;
        }
        if (users.containsKey(channel)) {
            String dm = directChannels.computeIfAbsent(channel, u -> "D" + u.substring(1));
            return channels.computeIfAbsent(dm, d -> new Channel(d, null, true, false));
        }
        String name = channel.startsWith("#") ? channel.substring(1) : channel;
        return channels.values().stream().filter(c -> name.equals(c.name())).findFirst().orElse(null);
    }

    /** The conversation with exactly the id {@code channel}, or null (names are not ids). */
    synchronized Channel byId(String channel) {
        return channels.get(channel);
    }

    /** A new ts in {@code channel}: now in microseconds, greater than every earlier one there, as a string. */
    synchronized String nextTs(String channel) {
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        long micros = Math.max(now, lastMicros.getOrDefault(channel, 0L) + 1);
        lastMicros.put(channel, micros);
        return String.format("%d.%06d", micros / 1_000_000, micros % 1_000_000);
    }

    /**
     * Stores a message by {@code author}: top-level when {@code threadTs} is null, else a reply in
     * that thread, which is also shown in the channel when {@code broadcast}.
     */
    synchronized Stored store(String channel, String threadTs, Author author, boolean broadcast, String text, JsonNode blocks,
                              JsonNode metadata) {
        String ts = nextTs(channel);
        Stored message = new Stored(channel, ts, threadTs, author, threadTs != null && broadcast, text,
                blocks == null ? JsonNodeFactory.instance.arrayNode() : blocks, metadata);
        messages.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(ts, message);
        if (threadTs != null) {
            messages.get(channel).get(threadTs).replies.add(ts);
        }
        return message;
    }

    synchronized Stored find(String channel, String ts) {
        return messages.getOrDefault(channel, Map.of()).get(ts);
    }

    /**
     * Edits {@code message}: text and blocks when given; metadata when given, an empty object
     * removing it (Slack keeps the metadata of an update that carries none).
     */
    synchronized void edit(Stored message, String text, JsonNode blocks, JsonNode metadata) {
        if (text != null) {
            message.text = text;
        }
        if (blocks != null) {
            message.blocks = blocks;
        }
        if (metadata != null) {
            message.metadata = metadata.isEmpty() ? null : metadata;
        }
        message.edits++;
    }

    synchronized List<PostedMessage> topLevel(String channel) {
        return messages.getOrDefault(channel, Map.of()).values().stream().filter(m -> m.threadTs == null).map(Stored::snapshot).toList();
    }

    /**
     * What {@code conversations.history} shows of {@code channel}, newest first: its top-level
     * messages and the replies broadcast to it, those after {@code oldest} (or at it, when
     * {@code inclusive}) and before {@code before} (null: no bound).
     */
    synchronized List<PostedMessage> history(String channel, BigDecimal oldest, boolean inclusive, BigDecimal before) {
        return messages.getOrDefault(channel, Map.of()).values().stream()
                .filter(m -> m.threadTs == null || m.broadcast)
                .filter(m -> {
                    int against = new BigDecimal(m.ts).compareTo(oldest);
                    return against > 0 || (inclusive && against == 0);
                })
                .filter(m -> before == null || new BigDecimal(m.ts).compareTo(before) < 0)
                .sorted(Comparator.comparing((Stored m) -> new BigDecimal(m.ts)).reversed())
                .map(Stored::snapshot).toList();
    }

    synchronized List<PostedMessage> thread(String channel, String ts) {
        Stored parent = find(channel, ts);
        return parent == null ? List.of() : parent.replies.stream().map(r -> find(channel, r).snapshot()).toList();
    }

    synchronized String directChannel(String userId) {
        return directChannels.get(userId);
    }

    synchronized String issueTrigger(Duration age) {
        String id = (1000 + triggers.size()) + "." + epoch + "." + UUID.randomUUID().toString().replace("-", "");
        triggers.put(id, new Trigger(Instant.now().minus(age), false));
        return id;
    }

    /** Uses trigger {@code id}: null when it may open a view now, else Slack's error code. */
    synchronized String useTrigger(String id, Duration validFor) {
        Trigger t = triggers.get(id);
        if (t == null) {
            return "invalid_trigger_id";
        }
        if (t.used()) {
            return "exchanged_trigger_id";
        }
        if (Instant.now().isAfter(t.issued().plus(validFor))) {
            return "expired_trigger_id";
        }
        triggers.put(id, new Trigger(t.issued(), true));
        return null;
    }

    synchronized String issueResponseUrl() {
        String id = UUID.randomUUID().toString().replace("-", "");
        responseUrls.put(id, new ResponseUrl(Instant.now(), 0));
        return id;
    }

    /** Uses response URL {@code id}: whether it may still be used (5 times within 30 minutes). */
    synchronized boolean useResponseUrl(String id, JsonNode body) {
        ResponseUrl r = responseUrls.get(id);
        if (r == null || r.uses() >= 5 || Instant.now().isAfter(r.issued().plus(Duration.ofMinutes(30)))) {
            return false;
        }
        responseUrls.put(id, new ResponseUrl(r.issued(), r.uses() + 1));
        responses.add(body);
        return true;
    }

    synchronized String openView(JsonNode view) {
        String id = "V" + String.format("%08d", views.size() + 1);
        views.add(view);
        return id;
    }

    synchronized List<JsonNode> views() {
        return List.copyOf(views);
    }

    synchronized List<JsonNode> responses() {
        return List.copyOf(responses);
    }
}
