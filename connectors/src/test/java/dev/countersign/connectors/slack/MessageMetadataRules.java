package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Slack's rules for a message's {@code metadata}, as {@link FakeSlack} enforces them on
 * {@code chat.postMessage} and {@code chat.update}: an object (or, as a form post sends it, a
 * string holding one) with {@code event_type}, a string of letters, digits, underscores and dots,
 * and {@code event_payload}, an object. Anything else is refused with Slack's codes:
 * {@code invalid_metadata_format} when it is not an object, {@code invalid_metadata_schema} when
 * its fields are wrong. No size limit is enforced: none was found stated.
 */
final class MessageMetadataRules {
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.]+");

    /** Metadata as sent, or why it is refused. */
    record Read(JsonNode metadata, String error) {
    }

    private MessageMetadataRules() {
    }

    /**
     * {@code sent} read as metadata: the object, or Slack's error code. An empty object is read as
     * itself (for an update it removes the metadata; for a post it has no {@code event_type}).
     */
    static Read read(JsonNode sent, boolean emptyAllowed) {
        JsonNode metadata = sent;
        if (sent.isTextual()) {
            try {
                metadata = FakeSlack.JSON.readTree(sent.textValue());
            } catch (IOException e) {
                return new Read(null, "invalid_metadata_format");
            }
        }
        if (metadata == null || !metadata.isObject()) {
            return new Read(null, "invalid_metadata_format");
        }
        if (emptyAllowed && metadata.isEmpty()) {
            return new Read(metadata, null);
        }
        JsonNode type = metadata.get("event_type");
        JsonNode payload = metadata.get("event_payload");
        if (type == null || !type.isTextual() || !EVENT_TYPE.matcher(type.textValue()).matches() || payload == null || !payload.isObject()) {
            return new Read(null, "invalid_metadata_schema");
        }
        return new Read(metadata, null);
    }
}
