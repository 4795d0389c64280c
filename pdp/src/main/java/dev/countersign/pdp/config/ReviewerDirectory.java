package dev.countersign.pdp.config;

import dev.countersign.rules.Identities;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may review what: each group lists its reviewers, each a reviewer identity (usually an email)
 * with optional chat handles (a Slack user id, a Teams AAD object id). Identities compare as
 * identities ({@link Identities}: case, width and a trailing dot make nobody else).
 */
public final class ReviewerDirectory {
    /** One reviewer: identity and chat handles (null when absent). */
    public record Reviewer(String id, String slack, String teams) {
    }

    private final Map<String, List<Reviewer>> groups;
    private final Map<String, Set<String>> groupsOf = new LinkedHashMap<>();
    private final Map<String, Reviewer> bySlack = new LinkedHashMap<>();
    private final Map<String, Reviewer> byTeams = new LinkedHashMap<>();
    private final Map<String, Reviewer> byId = new LinkedHashMap<>();

    public ReviewerDirectory(Map<String, List<Reviewer>> groups) {
        Map<String, List<Reviewer>> copy = new LinkedHashMap<>();
        groups.forEach((group, reviewers) -> copy.put(group, List.copyOf(reviewers)));
        this.groups = Collections.unmodifiableMap(copy);
        this.groups.forEach((group, reviewers) -> {
            for (Reviewer r : reviewers) {
                groupsOf.computeIfAbsent(key(r.id()), k -> new TreeSet<>()).add(group);
                byId.merge(key(r.id()), r, (a, b) -> new Reviewer(a.id(), a.slack() != null ? a.slack() : b.slack(),
                        a.teams() != null ? a.teams() : b.teams()));
                if (r.slack() != null) {
                    bySlack.put(r.slack(), r);
                }
                if (r.teams() != null) {
                    byTeams.put(r.teams().toLowerCase(Locale.ROOT), r);
                }
            }
        });
    }

    public static ReviewerDirectory empty() {
        return new ReviewerDirectory(Map.of());
    }

    public Map<String, List<Reviewer>> groups() {
        return groups;
    }

    /** The groups a reviewer belongs to (empty for anyone not in the directory). */
    public Set<String> groupsOf(String reviewerId) {
        Set<String> g = reviewerId == null ? null : groupsOf.get(key(reviewerId));
        return g == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(g));
    }

    public boolean knows(String reviewerId) {
        return reviewerId != null && groupsOf.containsKey(key(reviewerId));
    }

    /** The reviewer with identity {@code id} (compared as an identity), with the chat handles of any of its entries; null when unknown. */
    public Reviewer reviewer(String id) {
        return id == null ? null : byId.get(key(id));
    }

    /** The reviewers of {@code group}, as listed; empty for an unknown group. */
    public List<Reviewer> members(String group) {
        return groups.getOrDefault(group, List.of());
    }

    public Reviewer bySlack(String userId) {
        return bySlack.get(userId);
    }

    public Reviewer byTeams(String aadObjectId) {
        return aadObjectId == null ? null : byTeams.get(aadObjectId.toLowerCase(Locale.ROOT));
    }

    private static String key(String id) {
        return Identities.canonical(id);
    }
}
