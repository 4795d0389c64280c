package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Web API methods {@link FakeSlack} serves, once the token is checked: {@code chat.postMessage},
 * {@code chat.update}, {@code views.open}, {@code users.info}, {@code users.lookupByEmail},
 * {@code conversations.history} ({@link FakeSlackHistory}), {@code auth.test}, and the response
 * URLs it hands out.
 */
final class FakeSlackMethods {
    private static final Set<String> JSON_METHODS = Set.of("chat.postMessage", "chat.update", "views.open");
    private static final Set<String> READ_METHODS = Set.of("users.info", "users.lookupByEmail", "conversations.history");
    private static final int MAX_TEXT = 40_000;

    /** A request as the methods see it: the HTTP method, the content type and charset, and the body as JSON or parameters. */
    record Call(String method, String path, String httpMethod, String type, String charset, JsonNode json, String jsonProblem,
                Map<String, String> params) {
        static Call read(String method, String path, String httpMethod, String contentType, String query, Buffer body) {
            String type = null;
            String charset = null;
            if (contentType != null) {
                String[] parts = contentType.split(";");
                type = parts[0].trim().toLowerCase(Locale.ROOT);
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim();
                    if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                        charset = p.substring(8).trim().toLowerCase(Locale.ROOT);
                    }
                }
            }
            if ("GET".equals(httpMethod)) {
                return new Call(method, path, httpMethod, type, charset, null, null, FakeSlack.params(query));
            }
            if ("application/json".equals(type)) {
                try {
                    JsonNode json = FakeSlack.JSON.readTree(body.getBytes());
                    return new Call(method, path, httpMethod, type, charset, json, json == null ? "invalid_json" : json.isObject() ? null : "json_not_object",
                            Map.of());
                } catch (IOException e) {
                    return new Call(method, path, httpMethod, type, charset, null, "invalid_json", Map.of());
                }
            }
            if ("application/x-www-form-urlencoded".equals(type)) {
                return new Call(method, path, httpMethod, type, charset, null, null, FakeSlack.params(body.toString(StandardCharsets.UTF_8)));
            }
            return new Call(method, path, httpMethod, type, charset, null, null, Map.of());
        }
    }

    /**
     * An answer: status, body, extra headers, and the Slack error code it carries (null for ok);
     * {@code lost} when the work is done but the connection is to be closed instead of answering.
     */
    record Answer(int status, String body, Map<String, String> headers, String error, boolean lost) {
        Answer(int status, String body, Map<String, String> headers, String error) {
            this(status, body, headers, error, false);
        }

        /** This answer never sent: the connection closes after the work was done. */
        Answer lostInstead() {
            return new Answer(status, body, headers, error, true);
        }

        static Answer ok(ObjectNode body) {
            body.put("ok", true);
            return new Answer(200, body.toString(), Map.of(), null);
        }

        static Answer error(String code) {
            return error(code, List.of());
        }

        static Answer error(String code, List<String> messages) {
            ObjectNode body = FakeSlack.JSON.createObjectNode().put("ok", false).put("error", code);
            if (!messages.isEmpty()) {
                ArrayNode m = body.putObject("response_metadata").putArray("messages");
                messages.forEach(m::add);
            }
            return new Answer(200, body.toString(), Map.of(), code);
        }

        static Answer missingScope(String needed) {
            ObjectNode body = FakeSlack.JSON.createObjectNode().put("ok", false).put("error", "missing_scope").put("needed", needed)
                    .put("provided", "chat:write");
            return new Answer(200, body.toString(), Map.of(), "missing_scope");
        }

        static Answer rateLimited(Duration retryAfter) {
            long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
            return new Answer(429, "{\"ok\":false,\"error\":\"ratelimited\"}", Map.of("Retry-After", Long.toString(seconds)), "ratelimited");
        }

        static Answer status(int status) {
            return new Answer(status, "<html><body>upstream failure " + status + "</body></html>", Map.of(), "http_" + status);
        }

        static Answer huge(int bytes) {
            return new Answer(200, "{\"ok\":true,\"channel\":\"C0\",\"ts\":\"1.1\",\"pad\":\"" + "x".repeat(bytes) + "\"}", Map.of(), null);
        }
    }

    private final FakeSlack slack;
    private final FakeWorkspace workspace;
    private final FakeSlackHistory history;

    FakeSlackMethods(FakeSlack slack, FakeWorkspace workspace) {
        this.slack = slack;
        this.workspace = workspace;
        this.history = new FakeSlackHistory(workspace);
    }

    Answer handle(Call call) {
        if (JSON_METHODS.contains(call.method())) {
            Answer refused = jsonRefusal(call);
            if (refused != null) {
                return refused;
            }
        }
        if (READ_METHODS.contains(call.method()) && call.json() != null) {
            return Answer.error("invalid_arguments", List.of("[ERROR] " + call.method() + " takes query or form arguments; a JSON body is ignored"));
        }
        return switch (call.method()) {
            case "chat.postMessage" -> post(call.json());
            case "chat.update" -> update(call.json());
            case "views.open" -> openView(call.json());
            case "users.info" -> userInfo(call.params());
            case "users.lookupByEmail" -> lookupByEmail(call.params());
            case "conversations.history" -> history.history(call.params(), slack.scopes(), slack.historyPageSize());
            case "auth.test" -> Answer.ok(FakeSlack.JSON.createObjectNode().put("url", "https://fake.slack.test/").put("team", FakeSlack.TEAM_NAME)
                    .put("user", "countersign").put("team_id", FakeSlack.TEAM_ID).put("user_id", FakeSlack.BOT_USER).put("bot_id", FakeSlack.BOT_ID));
            default -> Answer.error("unknown_method");
        };
    }

    /** Why a call to a JSON method is refused before its arguments are read, or null. */
    private Answer jsonRefusal(Call call) {
        if (!"POST".equals(call.httpMethod()) || call.type() == null) {
            return Answer.error("missing_post_type");
        }
        if (!"application/json".equals(call.type())) {
            return Answer.error("invalid_post_type", List.of("[ERROR] " + call.method() + " is sent as application/json here"));
        }
        if (call.charset() != null && !"utf-8".equals(call.charset())) {
            return Answer.error("invalid_charset");
        }
        if (call.jsonProblem() != null) {
            return Answer.error(call.jsonProblem());
        }
        if (call.charset() == null) {
            slack.violation(call.method() + " was sent without charset=utf-8 (Slack warns missing_charset)");
        }
        if (!slack.scopes().contains("chat:write") && call.method().startsWith("chat.")) {
            return Answer.missingScope("chat:write");
        }
        return null;
    }

    private Answer post(JsonNode args) {
        String channel = args.path("channel").textValue();
        if (channel == null || channel.isEmpty()) {
            return Answer.error("channel_not_found");
        }
        FakeWorkspace.Channel to = workspace.forPosting(channel);
        if (to == null) {
            return Answer.error("channel_not_found");
        }
        if (to.archived()) {
            return Answer.error("is_archived");
        }
        if (!to.botIsMember()) {
            return Answer.error("not_in_channel");
        }
        Answer content = contentRefusal(args, true);
        if (content != null) {
            return content;
        }
        MessageMetadataRules.Read metadata = args.has("metadata") ? MessageMetadataRules.read(args.get("metadata"), false) : null;
        if (metadata != null && metadata.error() != null) {
            return Answer.error(metadata.error());
        }
        String threadTs = args.path("thread_ts").textValue();
        if (args.has("thread_ts")) {
            FakeWorkspace.Stored parent = threadTs == null ? null : workspace.find(to.id(), threadTs);
            if (parent == null) {
                return Answer.error("thread_not_found");
            }
            threadTs = parent.threadTs != null ? parent.threadTs : parent.ts;
        }
        FakeWorkspace.Stored stored = workspace.store(to.id(), threadTs, FakeWorkspace.Author.BOT, args.path("reply_broadcast").asBoolean(false),
                args.path("text").textValue(), args.get("blocks"), metadata == null ? null : metadata.metadata());
        ObjectNode answer = FakeSlack.JSON.createObjectNode().put("channel", to.id()).put("ts", stored.ts);
        answer.set("message", message(stored));
        return Answer.ok(answer);
    }

    private Answer update(JsonNode args) {
        String channel = args.path("channel").textValue();
        FakeWorkspace.Channel in = channel == null ? null : workspace.byId(channel);
        if (in == null) {
            return Answer.error("channel_not_found");
        }
        String ts = args.path("ts").textValue();
        FakeWorkspace.Stored message = ts == null ? null : workspace.find(in.id(), ts);
        if (message == null) {
            return Answer.error("message_not_found");
        }
        if (!message.byBot) {
            return Answer.error("cant_update_message");
        }
        if (in.archived()) {
            return Answer.error("is_archived");
        }
        Answer content = contentRefusal(args, false);
        if (content != null) {
            return content;
        }
        MessageMetadataRules.Read metadata = args.has("metadata") ? MessageMetadataRules.read(args.get("metadata"), true) : null;
        if (metadata != null && metadata.error() != null) {
            return Answer.error(metadata.error());
        }
        workspace.edit(message, args.path("text").textValue(), args.get("blocks"), metadata == null ? null : metadata.metadata());
        ObjectNode answer = FakeSlack.JSON.createObjectNode().put("channel", in.id()).put("ts", message.ts).put("text", message.text);
        answer.set("message", message(message));
        return Answer.ok(answer);
    }

    /** Why the text and blocks of a post or update are refused, or null. */
    private static Answer contentRefusal(JsonNode args, boolean posting) {
        JsonNode text = args.get("text");
        JsonNode blocks = args.get("blocks");
        boolean hasText = text != null && text.isTextual() && !text.textValue().isBlank();
        boolean hasBlocks = blocks != null && blocks.isArray() && !blocks.isEmpty();
        if (!hasText && !hasBlocks && (posting || blocks == null)) {
            return Answer.error("no_text");
        }
        if (hasText && text.textValue().length() > MAX_TEXT) {
            return Answer.error("msg_too_long");
        }
        if (blocks != null) {
            List<String> problems = BlockKitRules.message(blocks);
            if (!problems.isEmpty()) {
                return Answer.error("invalid_blocks", problems.subList(0, Math.min(10, problems.size())));
            }
        }
        return null;
    }

    private Answer openView(JsonNode args) {
        String trigger = args.path("trigger_id").textValue();
        if (trigger == null) {
            return Answer.error("invalid_arguments", List.of("[ERROR] missing required field: trigger_id"));
        }
        JsonNode view = args.path("view");
        List<String> problems = new ArrayList<>();
        if (!"modal".equals(view.path("type").asText())) {
            problems.add("[ERROR] must be modal [json-pointer:/view/type]");
        }
        plain(view.path("title"), "/view/title", 24, true, problems);
        plain(view.path("submit"), "/view/submit", 24, view.has("submit"), problems);
        plain(view.path("close"), "/view/close", 24, view.has("close"), problems);
        if (view.path("callback_id").asText("").length() > 255) {
            problems.add("[ERROR] must be at most 255 characters [json-pointer:/view/callback_id]");
        }
        if (view.path("private_metadata").asText("").length() > 3000) {
            problems.add("[ERROR] must be at most 3000 characters [json-pointer:/view/private_metadata]");
        }
        problems.addAll(BlockKitRules.view(view.path("blocks")));
        if (!problems.isEmpty()) {
            return Answer.error("invalid_arguments", problems);
        }
        String used = workspace.useTrigger(trigger, FakeSlack.TRIGGER_VALIDITY);
        if (used != null) {
            return Answer.error(used);
        }
        String id = workspace.openView(view.deepCopy());
        ObjectNode answer = FakeSlack.JSON.createObjectNode();
        answer.putObject("view").put("id", id).put("team_id", FakeSlack.TEAM_ID).put("callback_id", view.path("callback_id").asText());
        return Answer.ok(answer);
    }

    private static void plain(JsonNode text, String at, int max, boolean required, List<String> problems) {
        if (!required) {
            return;
        }
        if (!"plain_text".equals(text.path("type").asText()) || text.path("text").asText("").isEmpty()) {
            problems.add("[ERROR] must be a plain_text object [json-pointer:" + at + "]");
        } else if (text.path("text").asText().length() > max) {
            problems.add("[ERROR] must be at most " + max + " characters [json-pointer:" + at + "/text]");
        }
    }

    private Answer userInfo(Map<String, String> params) {
        if (!slack.scopes().contains("users:read")) {
            return Answer.missingScope("users:read");
        }
        FakeWorkspace.User user = params.get("user") == null ? null : workspace.user(params.get("user"));
        if (user == null) {
            return Answer.error("user_not_found");
        }
        ObjectNode answer = FakeSlack.JSON.createObjectNode();
        answer.set("user", user(user));
        return Answer.ok(answer);
    }

    private Answer lookupByEmail(Map<String, String> params) {
        if (!slack.scopes().contains("users:read.email")) {
            return Answer.missingScope("users:read.email");
        }
        FakeWorkspace.User user = params.get("email") == null ? null : workspace.userByEmail(params.get("email"));
        if (user == null) {
            return Answer.error("users_not_found");
        }
        ObjectNode answer = FakeSlack.JSON.createObjectNode();
        answer.set("user", user(user));
        return Answer.ok(answer);
    }

    private ObjectNode user(FakeWorkspace.User user) {
        ObjectNode u = FakeSlack.JSON.createObjectNode().put("id", user.id()).put("team_id", FakeSlack.TEAM_ID)
                .put("name", user.email() == null ? user.id().toLowerCase(Locale.ROOT) : user.email().split("@")[0])
                .put("deleted", user.deleted()).put("is_bot", false);
        ObjectNode profile = u.putObject("profile").put("real_name", "Reviewer " + user.id());
        if (user.email() != null && slack.scopes().contains("users:read.email")) {
            profile.put("email", user.email());
        }
        return u;
    }

    /** A POST to a response URL this fake issued: JSON, at most 5 times in 30 minutes. */
    Answer respond(Call call) {
        if (call.json() == null || !"application/json".equals(call.type()) || call.jsonProblem() != null) {
            return Answer.status(400);
        }
        String id = call.path().substring(call.path().lastIndexOf('/') + 1);
        if (!workspace.useResponseUrl(id, call.json())) {
            return Answer.status(404);
        }
        return new Answer(200, "{\"ok\":true}", Map.of(), null);
    }

    private static ObjectNode message(FakeWorkspace.Stored m) {
        return FakeSlackHistory.message(m.snapshot(), true);
    }
}
