package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;

/**
 * A counted vote: who, their choice and comment, when, through which node and channel (api, slack,
 * teams), and the required groups it counts for.
 */
public record Vote(String reviewer, Choice choice, String comment, Instant at, String node, String channel,
                   List<String> countsFor) implements Serializable {
    public Vote {
        countsFor = List.copyOf(countsFor);
    }
}
