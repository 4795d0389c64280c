package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code conversations.history} as {@link FakeSlack} serves it, once the token is checked and a
 * JSON body refused: query or form arguments; {@code channel} an id of a conversation the bot can
 * read ({@code channel_not_found}; {@code not_in_channel} for a public channel without the bot);
 * the scope of its kind ({@code channels:history} for {@code C…}, {@code groups:history} for
 * {@code G…}, {@code im:history} for {@code D…}; {@code missing_scope} naming it); the top-level
 * messages and broadcast replies, newest first, after {@code oldest} (exclusive unless
 * {@code inclusive}; {@code invalid_ts_oldest} when not a ts); {@code limit} 1 to 999, default 100
 * ({@code invalid_limit}), and fewer when the fake's page size is smaller; {@code has_more} and
 * {@code response_metadata.next_cursor} while older messages remain, an unknown or foreign cursor
 * {@code invalid_cursor}; message metadata only with {@code include_all_metadata}.
 */
final class FakeSlackHistory {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 999;
    private static final Pattern TS = Pattern.compile("[0-9]{1,12}(\\.[0-9]{1,6})?");
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,6}");
    private static final String CURSOR_PREFIX = "next_ts:";

    private final FakeWorkspace workspace;

    FakeSlackHistory(FakeWorkspace workspace) {
        this.workspace = workspace;
    }

    /** The answer to {@code conversations.history} with {@code params}, for a token with {@code scopes}, at most {@code pageSize} messages a page. */
    FakeSlackMethods.Answer history(Map<String, String> params, Set<String> scopes, int pageSize) {
        String channel = params.get("channel");
        FakeWorkspace.Channel in = channel == null ? null : workspace.byId(channel);
        if (in == null) {
            return FakeSlackMethods.Answer.error("channel_not_found");
        }
        String scope = scopeFor(in.id());
        if (!scopes.contains(scope)) {
            return FakeSlackMethods.Answer.missingScope(scope);
        }
        if (!in.botIsMember()) {
            return FakeSlackMethods.Answer.error(in.id().startsWith("C") ? "not_in_channel" : "channel_not_found");
        }
        String oldest = params.getOrDefault("oldest", "0");
        if (!TS.matcher(oldest).matches()) {
            return FakeSlackMethods.Answer.error("invalid_ts_oldest");
        }
        String limitParam = params.get("limit");
        if (limitParam != null && (!LIMIT.matcher(limitParam).matches() || Integer.parseInt(limitParam) < 1
                || Integer.parseInt(limitParam) > MAX_LIMIT)) {
            return FakeSlackMethods.Answer.error("invalid_limit");
        }
        int limit = Math.min(limitParam == null ? DEFAULT_LIMIT : Integer.parseInt(limitParam), pageSize);
        BigDecimal before = null;
        String cursor = params.get("cursor");
        if (cursor != null && !cursor.isEmpty()) {
            before = cursorTs(cursor, in.id());
            if (before == null) {
                return FakeSlackMethods.Answer.error("invalid_cursor");
            }
        }
        boolean withMetadata = flag(params.get("include_all_metadata"));
        List<PostedMessage> shown = workspace.history(in.id(), new BigDecimal(oldest), flag(params.get("inclusive")), before);
        List<PostedMessage> page = shown.subList(0, Math.min(limit, shown.size()));
        ObjectNode answer = FakeSlack.JSON.createObjectNode();
        ArrayNode messages = answer.putArray("messages");
        page.forEach(m -> messages.add(message(m, withMetadata)));
        boolean more = shown.size() > page.size();
        answer.put("has_more", more).put("pin_count", 0);
        if (more) {
            answer.putObject("response_metadata").put("next_cursor", cursor(in.id(), page.get(page.size() - 1).ts()));
        }
        return FakeSlackMethods.Answer.ok(answer);
    }

    /** The scope reading the history of conversation {@code id} needs. */
    static String scopeFor(String id) {
        return id.startsWith("C") ? "channels:history" : id.startsWith("G") ? "groups:history" : "im:history";
    }

    /** A message as Slack shows it in a channel's history and in a post's answer. */
    static ObjectNode message(PostedMessage m, boolean withMetadata) {
        ObjectNode message = FakeSlack.JSON.createObjectNode().put("type", "message");
        if (m.broadcast()) {
            message.put("subtype", "thread_broadcast");
        }
        message.put("user", m.user());
        if (m.botId() != null) {
            message.put("bot_id", m.botId()).put("app_id", FakeSlack.BOT_ID.equals(m.botId()) ? "A0FAKE" : "A0OTHER");
        }
        message.put("text", m.text()).put("ts", m.ts()).put("team", FakeSlack.TEAM_ID);
        if (m.threadTs() != null) {
            message.put("thread_ts", m.threadTs());
        } else if (m.replies() > 0) {
            message.put("thread_ts", m.ts()).put("reply_count", m.replies());
        }
        message.set("blocks", m.blocks());
        if (withMetadata && m.metadata() != null) {
            message.set("metadata", m.metadata());
        }
        return message;
    }

    private static boolean flag(String value) {
        return "true".equals(value) || "1".equals(value);
    }

    private static String cursor(String channel, String ts) {
        return Base64.getEncoder().encodeToString((CURSOR_PREFIX + channel + ":" + ts).getBytes(StandardCharsets.UTF_8));
    }

    /** The ts a cursor of {@code channel} continues before, or null when it is not one of this fake's for that channel. */
    private static BigDecimal cursorTs(String cursor, String channel) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        String prefix = CURSOR_PREFIX + channel + ":";
        if (!decoded.startsWith(prefix) || !TS.matcher(decoded.substring(prefix.length())).matches()) {
            return null;
        }
        return new BigDecimal(decoded.substring(prefix.length()));
    }
}
