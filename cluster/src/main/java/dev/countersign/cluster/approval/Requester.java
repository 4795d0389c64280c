package dev.countersign.cluster.approval;

import java.io.Serializable;

/** Who asked for the held action: the actor, and whom it acted for. Neither may approve it. */
public record Requester(String actorId, String onBehalfOf) implements Serializable {
    public boolean is(String reviewer) {
        return reviewer != null && (reviewer.equalsIgnoreCase(String.valueOf(actorId)) || reviewer.equalsIgnoreCase(String.valueOf(onBehalfOf)));
    }
}
