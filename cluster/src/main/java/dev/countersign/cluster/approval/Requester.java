package dev.countersign.cluster.approval;

import java.io.Serializable;

/**
 * Who asked for the held action: the actor and whom it acted for (as the action context says), and
 * the API client that sent the request, with the reviewer identity that client votes as (if any).
 * None of them may approve it, and only that client may use the grant.
 */
public record Requester(String actorId, String onBehalfOf, String client, String clientReviewer) implements Serializable {
    /** A requester known only from the action context. */
    public Requester(String actorId, String onBehalfOf) {
        this(actorId, onBehalfOf, null, null);
    }

    public boolean is(String reviewer) {
        return reviewer != null && (reviewer.equalsIgnoreCase(String.valueOf(actorId)) || reviewer.equalsIgnoreCase(String.valueOf(onBehalfOf))
                || reviewer.equalsIgnoreCase(String.valueOf(clientReviewer)));
    }

    /** How {@code reviewer} asked: empty when as the actor, else a parenthesised note. */
    String how(String reviewer) {
        if (reviewer.equalsIgnoreCase(String.valueOf(actorId))) {
            return "";
        }
        if (reviewer.equalsIgnoreCase(String.valueOf(onBehalfOf))) {
            return " (the actor acts on their behalf)";
        }
        return " (through the API client " + client + ", which votes as them)";
    }
}
