package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.Secret;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads what Slack POSTs to the Request URL (the pdp mounts {@code /connectors/slack/interactions}
 * and hands over the headers and the exact body bytes): authenticates it, then says what it is.
 *
 * <p>Authentication, in this order, each failure an {@link Unauthentic} with the reason:
 * <ol>
 *   <li>exactly one {@code X-Slack-Request-Timestamp} (Unix seconds) and one {@code X-Slack-Signature};</li>
 *   <li>the timestamp within {@link #MAX_AGE} of now, either way (a request from the future too);</li>
 *   <li>the signature of version {@code v0} only, equal in constant time to
 *       {@link SlackSignature#sign} of the raw body with the signing secret;</li>
 *   <li>not received before: an identical request (same signature) is a replay
 *       ({@link SeenSignatures}, bounded, kept for the timestamp's window).</li>
 * </ol>
 * That memory is this object's: a replay sent to another node of a cluster is not seen here. Every
 * {@link Click} and {@link DenyReason} therefore carries the request's {@link ReplayKey}, for the
 * caller to refuse replays cluster-wide.
 * The payload's {@code token} field (Slack's deprecated verification token) is never used.
 *
 * <p>Then the form field {@code payload} (URL-encoded JSON) is read: a {@code block_actions} click
 * on {@code approve} or {@code deny} is a {@link Click}; a {@code view_submission} of the deny modal
 * is a {@link DenyReason}; anything else authentic is {@link Ignored}. Whether the user may vote is
 * for the caller to decide.
 */
public final class SlackInteractions {
    /** The most a request's timestamp may be away from now, either way. */
    public static final Duration MAX_AGE = Duration.ofMinutes(5);
    /** How many recent signatures are remembered by default. */
    public static final int REMEMBERED = 10_000;

    static final String TIMESTAMP = "X-Slack-Request-Timestamp";
    static final String SIGNATURE = "X-Slack-Signature";
    private static final Pattern UNIX_SECONDS = Pattern.compile("[0-9]{1,12}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Secret signingSecret;
    private final Clock clock;
    private final SeenSignatures seen;

    public SlackInteractions(Secret signingSecret) {
        this(signingSecret, Clock.systemUTC(), REMEMBERED);
    }

    public SlackInteractions(Secret signingSecret, Clock clock, int rememberedSignatures) {
        this.signingSecret = signingSecret;
        this.clock = clock;
        this.seen = new SeenSignatures(rememberedSignatures);
    }

    /**
     * What the request with {@code headers} (a case-insensitive {@link MultiMap}, as Vert.x gives
     * them) and exactly {@code rawBody} is. Never throws for anything a sender controls.
     */
    public SlackInteraction receive(MultiMap headers, Buffer rawBody) {
        List<String> timestamps = headers.getAll(TIMESTAMP);
        List<String> signatures = headers.getAll(SIGNATURE);
        if (timestamps.isEmpty() || signatures.isEmpty()) {
            return new Unauthentic(timestamps.isEmpty() && signatures.isEmpty() ? "no " + TIMESTAMP + " and no " + SIGNATURE + " header"
                    : "no " + (timestamps.isEmpty() ? TIMESTAMP : SIGNATURE) + " header");
        }
        if (timestamps.size() > 1 || signatures.size() > 1) {
            return new Unauthentic("more than one " + (timestamps.size() > 1 ? TIMESTAMP : SIGNATURE) + " header");
        }
        String timestamp = timestamps.get(0).trim();
        String signature = signatures.get(0).trim();
        if (!UNIX_SECONDS.matcher(timestamp).matches()) {
            return new Unauthentic(TIMESTAMP + " is not a number of Unix seconds");
        }
        Instant sent = Instant.ofEpochSecond(Long.parseLong(timestamp));
        Instant now = clock.instant();
        long away = Math.abs(Duration.between(sent, now).getSeconds());
        if (away > MAX_AGE.getSeconds()) {
            return new Unauthentic("the request was signed " + away + " s " + (sent.isBefore(now) ? "ago" : "in the future")
                    + "; at most " + MAX_AGE.getSeconds() + " s either way is accepted");
        }
        if (!signature.startsWith(SlackSignature.VERSION + "=")) {
            return new Unauthentic(SIGNATURE + " is not of version " + SlackSignature.VERSION);
        }
        byte[] body = rawBody == null ? new byte[0] : rawBody.getBytes();
        if (!SlackSignature.matches(signingSecret, timestamp, body, signature)) {
            return new Unauthentic("the signature does not match the body (wrong signing secret, or the body was changed)");
        }
        Instant keepUntil = sent.plus(MAX_AGE).plusSeconds(1);
        switch (seen.note(signature, keepUntil, now)) {
            case AGAIN:
                return new Unauthentic("this request was received before (a replay)");
            case FULL:
                return new Unauthentic("too many requests to remember in five minutes; this one cannot be told from a replay");
            default:
                break;
        }
        return read(body, new ReplayKey(signature, keepUntil));
    }

    /** The payload of an authentic body, whose request {@code key} makes a replay. */
    private static SlackInteraction read(byte[] body, ReplayKey key) {
        String payload;
        try {
            payload = payloadField(new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Ignored(e.getMessage(), null);
        }
        JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            return new Ignored("the payload is not a JSON object", null);
        }
        String type = json.path("type").asText("");
        return switch (type) {
            case "block_actions" -> click(json, key);
            case "view_submission" -> submission(json, key);
            default -> new Ignored("a " + (type.isEmpty() ? "payload without a type" : "payload of type " + SlackIds.shown(type))
                    + " is not a vote", null);
        };
    }

    /** The one {@code payload} field of a form body. */
    static String payloadField(String form) {
        String found = null;
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if ("payload".equals(decoded(name))) {
                if (found != null) {
                    throw new IllegalArgumentException("the form has more than one payload field");
                }
                found = decoded(eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("the form has no payload field");
        }
        return found;
    }

    private static String decoded(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the body is not URL-encoded form data");
        }
    }

    private static SlackInteraction click(JsonNode json, ReplayKey key) {
        String responseUrl = json.path("response_url").textValue();
        JsonNode actions = json.path("actions");
        if (!actions.isArray() || actions.size() != 1) {
            return new Ignored("a click should carry exactly one action", responseUrl);
        }
        JsonNode action = actions.get(0);
        ReviewerChoice choice = ReviewerChoice.fromWire(action.path("action_id").textValue());
        if (choice == null) {
            return new Ignored("the action " + SlackIds.shown(action.path("action_id").asText("(none)")) + " is not approve or deny", responseUrl);
        }
        String approvalId = action.path("value").textValue();
        if (approvalId == null || approvalId.isEmpty()) {
            return new Ignored("the button carries no approval id", responseUrl);
        }
        JsonNode user = json.path("user");
        String userId = user.path("id").textValue();
        String teamId = team(json);
        if (!SlackIds.isUser(userId) || !SlackIds.isTeam(teamId)) {
            return new Ignored("the click names no Slack user and team", responseUrl);
        }
        JsonNode container = json.path("container");
        String channel = container.path("channel_id").textValue();
        String ts = container.path("message_ts").textValue();
        if (channel == null) {
            channel = json.path("channel").path("id").textValue();
        }
        if (ts == null) {
            ts = json.path("message").path("ts").textValue();
        }
        return new Click(approvalId, choice, userId, user.path("username").textValue(), teamId, json.path("trigger_id").textValue(),
                responseUrl, channel, ts, key);
    }

    private static SlackInteraction submission(JsonNode json, ReplayKey key) {
        JsonNode view = json.path("view");
        if (!SlackViews.DENY_CALLBACK.equals(view.path("callback_id").textValue())) {
            return new Ignored("a view submission that is not the deny reason", null);
        }
        SlackViews.CardRef card = SlackViews.metadata(view.path("private_metadata").textValue());
        if (card == null) {
            return new Ignored("the deny reason's metadata names no approval", null);
        }
        JsonNode user = json.path("user");
        String userId = user.path("id").textValue();
        String teamId = team(json);
        if (!SlackIds.isUser(userId) || !SlackIds.isTeam(teamId)) {
            return new Ignored("the submission names no Slack user and team", null);
        }
        String reason = view.path("state").path("values").path(SlackViews.REASON_BLOCK).path(SlackViews.REASON_ACTION).path("value").textValue();
        if (reason == null || reason.isBlank()) {
            return new Ignored("the deny reason is empty", null);
        }
        if (reason.length() > SlackViews.REASON_MAX) {
            int end = Character.isHighSurrogate(reason.charAt(SlackViews.REASON_MAX - 1)) ? SlackViews.REASON_MAX - 1 : SlackViews.REASON_MAX;
            reason = reason.substring(0, end);
        }
        return new DenyReason(card.approvalId(), userId, user.path("username").textValue(), teamId, reason, card.channel(), card.ts(), key);
    }

    /** The workspace of the user: the payload's team, else the user's. */
    private static String team(JsonNode json) {
        String team = json.path("team").path("id").textValue();
        return team != null ? team : json.path("user").path("team_id").textValue();
    }
}
