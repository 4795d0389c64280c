package dev.countersign.connectors;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a connector posted, for the caller to keep and hand back to update or reply: the destination
 * it was posted to, and the platform's reference of the message. Connectors keep no state about what
 * they posted; this is the only record of it.
 *
 * <p>Slack: {@code conversation} is the channel id Slack answered with (for a message to a user
 * {@code U…} that is the direct-message channel {@code D…}, not the user id) and {@code messageId}
 * is the message's {@code ts}, a string such as {@code "1405894322.002768"} that must be kept exactly.
 *
 * @param destination  where it was posted
 * @param conversation the platform's id of the conversation it is in
 * @param messageId    the platform's id of the message in that conversation
 */
public record Sent(Destination destination, String conversation, String messageId) implements Serializable {
    public Sent {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(messageId, "messageId");
    }
}
