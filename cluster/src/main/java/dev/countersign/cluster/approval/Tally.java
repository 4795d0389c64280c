package dev.countersign.cluster.approval;

import dev.countersign.rules.Identities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The approvers each required group has, from the approve votes cast. Approvers are distinct
 * identities. With {@code distinct} reviewers (the default), one person counts for one group of the
 * requirement: votes are assigned to groups so that as many places of the quorums are filled as can
 * be (a matching; a reviewer in two groups fills whichever still needs them), and the requirement is
 * met only when every group's quorum is filled by different people. Otherwise a reviewer counts in
 * every required group they belong to.
 */
final class Tally {
    private Tally() {
    }

    /** Approvers per required group, in the requirement's order. */
    static Map<String, Integer> approvers(Requirement requirement, List<Vote> votes, boolean distinct) {
        Map<String, Set<String>> eligible = eligibility(requirement, votes);
        Map<String, Integer> counts = new LinkedHashMap<>();
        requirement.groups().forEach(g -> counts.put(g, 0));
        if (!distinct) {
            eligible.forEach((reviewer, groups) -> groups.forEach(g -> counts.merge(g, 1, Integer::sum)));
            return counts;
        }
        Map<String, List<String>> assigned = new HashMap<>();
        requirement.groups().forEach(g -> assigned.put(g, new ArrayList<>()));
        for (Map.Entry<String, Set<String>> reviewer : eligible.entrySet()) {
            if (!assign(reviewer.getKey(), eligible, assigned, requirement, new java.util.HashSet<>()) && !reviewer.getValue().isEmpty()) {
                // Every group they could fill is full: they are an approver beyond the quorum, counted once.
                assigned.get(reviewer.getValue().iterator().next()).add(reviewer.getKey());
            }
        }
        assigned.forEach((g, reviewers) -> counts.put(g, reviewers.size()));
        return counts;
    }

    /** Whether every required group has its quorum. */
    static boolean met(Requirement requirement, List<Vote> votes, boolean distinct) {
        Map<String, Integer> counts = approvers(requirement, votes, distinct);
        for (String group : requirement.groups()) {
            if (counts.getOrDefault(group, 0) < quorum(requirement, group)) {
                return false;
            }
        }
        return true;
    }

    private static int quorum(Requirement requirement, String group) {
        return requirement.quorum().getOrDefault(group, 1);
    }

    /** Each approving identity, in the order of their votes, with the required groups it may count for. */
    private static Map<String, Set<String>> eligibility(Requirement requirement, List<Vote> votes) {
        Map<String, Set<String>> eligible = new LinkedHashMap<>();
        for (Vote v : votes) {
            if (v.choice() != Choice.APPROVE) {
                continue;
            }
            Set<String> groups = eligible.computeIfAbsent(Identities.canonical(v.reviewer()), k -> new LinkedHashSet<>());
            for (String g : requirement.groups()) {
                if (v.countsFor().contains(g)) {
                    groups.add(g);
                }
            }
        }
        return eligible;
    }

    /** Places {@code reviewer} in a group with room, moving earlier approvers along an augmenting path if need be. */
    private static boolean assign(String reviewer, Map<String, Set<String>> eligible, Map<String, List<String>> assigned,
                                  Requirement requirement, Set<String> visited) {
        for (String g : eligible.get(reviewer)) {
            if (!visited.add(g)) {
                continue;
            }
            List<String> in = assigned.get(g);
            if (in.size() < quorum(requirement, g)) {
                in.add(reviewer);
                return true;
            }
            for (String other : List.copyOf(in)) {
                if (assign(other, eligible, assigned, requirement, visited)) {
                    in.remove(other);
                    in.add(reviewer);
                    return true;
                }
            }
        }
        return false;
    }
}
