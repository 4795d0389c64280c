package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;

/**
 * A counted vote: who, their choice and comment, when (by the clock of the member holding the
 * approval), through which node and channel (api, slack, teams), the required groups it may count
 * for, and the id of the cast that made it (so a cast retried after a failover is recognised).
 */
public record Vote(String reviewer, Choice choice, String comment, Instant at, String node, String channel,
                   List<String> countsFor, String castId) implements Serializable {
    public Vote {
        countsFor = List.copyOf(countsFor);
    }
}
