package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The state of {@link FakeSlack}'s workspace: channels (with whether the bot is in them and whether
 * they are archived), users, the messages of every conversation with their threads, the trigger
 * ids and response URLs it handed out, and the views opened. Synchronized: the fake's event loop
 * writes, tests read.
 */
final class FakeWorkspace {
    record Channel(String id, String name, boolean botIsMember, boolean archived) {
    }

    record User(String id, String email, boolean deleted) {
    }

    static final class Stored {
        final String channel;
        final String ts;
        final String threadTs;
        final boolean byBot;
        String text;
        JsonNode blocks;
        int edits;
        final List<String> replies = new ArrayList<>();

        Stored(String channel, String ts, String threadTs, boolean byBot, String text, JsonNode blocks) {
            this.channel = channel;
            this.ts = ts;
            this.threadTs = threadTs;
            this.byBot = byBot;
            this.text = text;
            this.blocks = blocks;
        }

        PostedMessage snapshot() {
            return new PostedMessage(channel, ts, threadTs, text, blocks.deepCopy(), byBot, edits, replies.size());
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
    private final Map<String, Integer> sequence = new HashMap<>();
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

    /** A new ts in {@code channel}, greater than every earlier one there, as a string. */
    synchronized String nextTs(String channel) {
        int n = sequence.merge(channel, 1, Integer::sum);
        return String.format("%d.%06d", epoch + n / 1_000_000, n % 1_000_000);
    }

    synchronized Stored store(String channel, String threadTs, boolean byBot, String text, JsonNode blocks) {
        String ts = nextTs(channel);
        Stored message = new Stored(channel, ts, threadTs, byBot, text, blocks == null ? JsonNodeFactory.instance.arrayNode() : blocks);
        messages.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(ts, message);
        if (threadTs != null) {
            messages.get(channel).get(threadTs).replies.add(ts);
        }
        return message;
    }

    synchronized Stored find(String channel, String ts) {
        return messages.getOrDefault(channel, Map.of()).get(ts);
    }

    synchronized void edit(Stored message, String text, JsonNode blocks) {
        if (text != null) {
            message.text = text;
        }
        if (blocks != null) {
            message.blocks = blocks;
        }
        message.edits++;
    }

    synchronized List<PostedMessage> topLevel(String channel) {
        return messages.getOrDefault(channel, Map.of()).values().stream().filter(m -> m.threadTs == null).map(Stored::snapshot).toList();
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
