package dev.countersign.connectors.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The deny-reason modal, and the metadata it carries from the click to its submission.
 *
 * <p>The view has {@code callback_id} {@value #DENY_CALLBACK} and, as {@code private_metadata},
 * {@code {"approval_id":…,"channel":…,"ts":…}} of the card clicked (Slack hands private metadata
 * back unchanged with the submission, which is signed like every request). Its one input is block
 * {@value #REASON_BLOCK}, action {@value #REASON_ACTION}: a required multi-line text of at most
 * {@value #REASON_MAX} characters. Modal limits: title, submit and close ≤ 24 characters,
 * {@code callback_id} ≤ 255, {@code private_metadata} ≤ 3000.
 */
final class SlackViews {
    static final String DENY_CALLBACK = "countersign_deny_reason";
    static final String REASON_BLOCK = "reason";
    static final String REASON_ACTION = "reason";
    static final int REASON_MAX = 2000;
    static final int METADATA_MAX = 3000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the deny was clicked: the approval and its card. */
    record CardRef(String approvalId, String channel, String ts) {
    }

    private SlackViews() {
    }

    /** The modal asking {@code click}'s reviewer why they deny. */
    static ObjectNode denyReason(Click click) {
        ObjectNode meta = JSON.createObjectNode().put("approval_id", click.approvalId()).put("channel", click.channelId())
                .put("ts", click.messageTs());
        String metadata = meta.toString();
        if (metadata.length() > METADATA_MAX) {
            throw new IllegalArgumentException("the approval id is too long to carry through a Slack modal (" + metadata.length()
                    + " characters of metadata, at most " + METADATA_MAX + ")");
        }
        ObjectNode view = JSON.createObjectNode().put("type", "modal").put("callback_id", DENY_CALLBACK)
                .put("private_metadata", metadata).put("notify_on_close", false);
        view.set("title", SlackCards.plain("Deny the action"));
        view.set("submit", SlackCards.plain("Deny"));
        view.set("close", SlackCards.plain("Cancel"));
        ArrayNode blocks = view.putArray("blocks");
        ObjectNode what = blocks.addObject().put("type", "section").put("block_id", "what");
        what.set("text", SlackCards.mrkdwn("You are denying approval " + Mrkdwn.code(click.approvalId(), 2100)
                + ". The requester and the other reviewers will see your reason."));
        ObjectNode input = blocks.addObject().put("type", "input").put("block_id", REASON_BLOCK);
        input.set("label", SlackCards.plain("Why is it denied?"));
        ObjectNode element = input.putObject("element").put("type", "plain_text_input").put("action_id", REASON_ACTION)
                .put("multiline", true).put("min_length", 1).put("max_length", REASON_MAX);
        element.set("placeholder", SlackCards.plain("The reason, for the requester and the audit log"));
        return view;
    }

    /** The card reference in a deny modal's private metadata, or null when it is not ours. */
    static CardRef metadata(String privateMetadata) {
        if (privateMetadata == null || privateMetadata.length() > METADATA_MAX) {
            return null;
        }
        try {
            JsonNode meta = JSON.readTree(privateMetadata);
            String approvalId = meta.path("approval_id").textValue();
            if (approvalId == null || approvalId.isEmpty()) {
                return null;
            }
            return new CardRef(approvalId, meta.path("channel").textValue(), meta.path("ts").textValue());
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
