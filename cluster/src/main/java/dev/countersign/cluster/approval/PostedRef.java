package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.util.Objects;

/** What a chat destination shows for an approval: the conversation and the message id its platform gave (Slack: channel and ts). */
public record PostedRef(String conversation, String messageId) implements Serializable {
    public PostedRef {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(messageId, "messageId");
    }
}
