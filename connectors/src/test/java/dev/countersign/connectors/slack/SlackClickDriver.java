package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * Makes the requests Slack sends to an app's Request URL when a reviewer clicks or submits a
 * modal: form-encoded {@code payload=<URL-encoded JSON>}, signed with {@code X-Slack-Signature} and
 * {@code X-Slack-Request-Timestamp} as Slack signs (version {@code v0}), or forged in one of the
 * ways {@link SignedRequest.Tamper} lists. For the pdp's end-to-end tests: POST them to a node
 * ({@link SignedRequest#send}) and expect 200 within 3 s and one vote, or 401 and none.
 *
 * <p>Given a {@link FakeSlack}, clicks carry a trigger id and a response URL that fake issued, so
 * the modal and the private answers that follow are checked by it too; clicks are made from a card
 * as the fake holds it ({@link #click(PostedMessage, String, String)}), so a card without the
 * button cannot be clicked.
 */
public final class SlackClickDriver {
    private final String signingSecret;
    private final FakeSlack slack;
    private final String teamId;

    /** A driver signing with {@code signingSecret}, its clicks' trigger ids and response URLs issued by {@code slack}. */
    public SlackClickDriver(String signingSecret, FakeSlack slack) {
        this(signingSecret, slack, FakeSlack.TEAM_ID);
    }

    /** As above, for users of workspace {@code teamId} (another workspace: a shared channel). */
    public SlackClickDriver(String signingSecret, FakeSlack slack, String teamId) {
        this.signingSecret = signingSecret;
        this.slack = slack;
        this.teamId = teamId;
    }

    /** A driver without a fake: trigger ids and response URLs are made up (Slack's form, never reachable). */
    public SlackClickDriver(String signingSecret) {
        this(signingSecret, null, FakeSlack.TEAM_ID);
    }

    /**
     * {@code userId} clicks the button {@code actionId} ({@code approve} or {@code deny}) of
     * {@code card} as the fake now holds it.
     *
     * @throws IllegalStateException when the card has no such button (its approval is decided)
     */
    public SignedRequest click(PostedMessage card, String actionId, String userId) {
        JsonNode button = card.button(actionId);
        if (button == null) {
            throw new IllegalStateException("the card " + card.channel() + " " + card.ts() + " has no " + actionId + " button");
        }
        ObjectNode payload = clickPayload(button.path("value").asText(), actionId, userId, card.channel(), card.ts(),
                card.actionsBlockId(actionId));
        ((ObjectNode) payload.path("message")).put("text", card.text()).set("blocks", card.blocks());
        return new SignedRequest(signingSecret, payload, Instant.now());
    }

    /** {@code userId} clicks a button {@code actionId} whose value is {@code approvalId}, on the card {@code channel}/{@code ts}. */
    public SignedRequest click(String approvalId, String actionId, String userId, String channel, String ts) {
        return new SignedRequest(signingSecret, clickPayload(approvalId, actionId, userId, channel, ts, "decide"), Instant.now());
    }

    /**
     * {@code userId} submits the modal {@code view} (as {@code views.open} was sent it, see
     * {@link FakeSlack#views()}) with {@code reason} typed in its text input.
     */
    public SignedRequest submit(JsonNode view, String userId, String reason) {
        ObjectNode payload = FakeSlack.JSON.createObjectNode().put("type", "view_submission");
        payload.putObject("team").put("id", teamId).put("domain", "fake");
        user(payload, userId);
        payload.put("api_app_id", "A0FAKE").put("token", "deprecated-verification-token").put("trigger_id", trigger());
        ObjectNode v = view.deepCopy();
        v.put("id", "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(Locale.ROOT)).put("team_id", teamId)
                .put("hash", "1700000000.abcdef").put("app_id", "A0FAKE").put("bot_id", "B0BOT");
        ObjectNode values = v.putObject("state").putObject("values");
        for (JsonNode block : view.path("blocks")) {
            if ("input".equals(block.path("type").asText())) {
                values.putObject(block.path("block_id").asText()).putObject(block.path("element").path("action_id").asText())
                        .put("type", "plain_text_input").put("value", reason);
            }
        }
        payload.set("view", v);
        payload.putArray("response_urls");
        payload.put("is_enterprise_install", false);
        return new SignedRequest(signingSecret, payload, Instant.now());
    }

    /** Any payload, signed: for types Slack sends that are not votes ({@code view_closed}, {@code shortcut}…). */
    public SignedRequest payload(ObjectNode payload) {
        return new SignedRequest(signingSecret, payload, Instant.now());
    }

    private ObjectNode clickPayload(String approvalId, String actionId, String userId, String channel, String ts, String blockId) {
        ObjectNode payload = FakeSlack.JSON.createObjectNode().put("type", "block_actions");
        user(payload, userId);
        payload.put("api_app_id", "A0FAKE").put("token", "deprecated-verification-token");
        payload.putObject("container").put("type", "message").put("message_ts", ts).put("channel_id", channel).put("is_ephemeral", false);
        payload.put("trigger_id", trigger());
        payload.putObject("team").put("id", teamId).put("domain", "fake");
        payload.putNull("enterprise");
        payload.put("is_enterprise_install", false);
        payload.putObject("channel").put("id", channel).put("name", "security");
        payload.putObject("message").put("type", "message").put("ts", ts).put("bot_id", "B0BOT");
        payload.putObject("state").putObject("values");
        payload.put("response_url", slack == null
                ? "https://hooks.slack.com/actions/" + teamId + "/1234567890/" + UUID.randomUUID().toString().replace("-", "")
                : slack.issueResponseUrl());
        ObjectNode action = payload.putArray("actions").addObject().put("action_id", actionId).put("block_id", blockId);
        action.putObject("text").put("type", "plain_text").put("text", actionId).put("emoji", true);
        action.put("value", approvalId).put("type", "button").put("action_ts", Instant.now().getEpochSecond() + ".123456");
        return payload;
    }

    private void user(ObjectNode payload, String userId) {
        String name = userId.toLowerCase(Locale.ROOT);
        payload.putObject("user").put("id", userId).put("username", name).put("name", name).put("team_id", teamId);
    }

    private String trigger() {
        return slack == null ? "1234." + Instant.now().getEpochSecond() + "." + UUID.randomUUID().toString().replace("-", "") : slack.issueTrigger();
    }
}
