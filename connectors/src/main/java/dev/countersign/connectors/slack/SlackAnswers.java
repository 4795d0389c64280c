package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the Request URL answers Slack synchronously, beyond an empty 200: for a submission of the
 * deny modal ({@link DenyReason}) that changes nothing, the modal kept open with the reason shown
 * under its input ({@code response_action: errors}).
 */
public final class SlackAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Slack's limit for an input's error text is not documented; this keeps it to a readable line. */
    static final int ERROR_MAX = 300;

    private SlackAnswers() {
    }

    /** The answer keeping the deny modal open with {@code why} under its reason input, as text shown as written. */
    public static String denyReasonRefused(String why) {
        ObjectNode answer = JSON.createObjectNode().put("response_action", "errors");
        answer.putObject("errors").put(SlackViews.REASON_BLOCK, Mrkdwn.fit(why == null ? "" : why, ERROR_MAX));
        return answer.toString();
    }
}
