package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The message metadata a card is posted with, by which {@link SlackConnector#find} knows it again:
 * {@code {"event_type":"countersign_approval","event_payload":{"approval_id":"<id>"}}}.
 *
 * <p>Slack shows metadata to no one, keeps it through {@code chat.update} (an update without
 * {@code metadata} leaves it as it was), and returns it from {@code conversations.history} when
 * asked with {@code include_all_metadata}. Posting it needs no scope of its own. Any app can post
 * metadata of any event type, so metadata alone never makes a message ours: who posted it is
 * checked too ({@link SlackBot#posted}).
 */
final class SlackCardMetadata {
    static final String EVENT_TYPE = "countersign_approval";
    static final String APPROVAL_ID = "approval_id";

    private SlackCardMetadata() {
    }

    /** The metadata of the card of approval {@code approvalId}. */
    static ObjectNode of(String approvalId) {
        ObjectNode metadata = SlackWebApi.MAPPER.createObjectNode().put("event_type", EVENT_TYPE);
        metadata.putObject("event_payload").put(APPROVAL_ID, approvalId);
        return metadata;
    }

    /** The approval id in the card metadata of {@code message} (as history shows it), or null when it carries none. */
    static String approvalId(JsonNode message) {
        JsonNode metadata = message.path("metadata");
        if (!EVENT_TYPE.equals(metadata.path("event_type").textValue())) {
            return null;
        }
        return metadata.path("event_payload").path(APPROVAL_ID).textValue();
    }
}
