package dev.countersign.cluster.approval;

import dev.countersign.rules.Identities;
import java.io.Serializable;

/**
 * Who asked for the held action: the actor and whom it acted for (as the action context says), and
 * the API client that sent the request, with the reviewer identity that client votes as (if any).
 * None of them may approve it, and only that client may use the grant. Identities are compared as
 * identities ({@link Identities}), so a space, a trailing dot or full-width letters make nobody else.
 */
public record Requester(String actorId, String onBehalfOf, String client, String clientReviewer) implements Serializable {
    /** A requester known only from the action context. */
    public Requester(String actorId, String onBehalfOf) {
        this(actorId, onBehalfOf, null, null);
    }

    public boolean is(String reviewer) {
        return Identities.same(reviewer, actorId) || Identities.same(reviewer, onBehalfOf) || Identities.same(reviewer, clientReviewer);
    }

    /** How {@code reviewer} asked: empty when as the actor, else a parenthesised note. */
    String how(String reviewer) {
        if (Identities.same(reviewer, actorId)) {
            return "";
        }
        if (Identities.same(reviewer, onBehalfOf)) {
            return " (the actor acts on their behalf)";
        }
        return " (through the API client " + client + ", which votes as them)";
    }
}
