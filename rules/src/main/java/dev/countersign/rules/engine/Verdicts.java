package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Verdict;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ConcurrentHashMap;
import org.kie.api.runtime.rule.RuleContext;

/**
 * What a rule's consequence can say. Rule files call these bare ({@code allow("why")}): the engine
 * imports them into every package. Each records the firing rule's name, package and {@code file:line}
 * with the message. Bad arguments throw, which ends the evaluation as deny with an {@code error}
 * reason naming the rule.
 */
public final class Verdicts {
    private static final ConcurrentHashMap<String, Duration> TTLS = new ConcurrentHashMap<>();
    /** Requirements by their arguments: most calls pass literals, so each is built once. */
    private static final ConcurrentHashMap<String, ApprovalRequirement> REQUIREMENTS = new ConcurrentHashMap<>();

    private Verdicts() {
    }

    /**
     * Called by the engine at the start of every consequence (the compiler adds the call, on the
     * consequence's first line) so that the helpers below know which rule speaks.
     */
    public static void enter(RuleContext drools) {
        Evaluation e = Evaluation.current();
        e.firing = e.rules.get(drools.getRule());
    }

    public static void allow(String why) {
        Evaluation.current().record(Verdict.ALLOW, why, null);
    }

    public static void deny(String why) {
        Evaluation.current().record(Verdict.DENY, why, null);
    }

    /**
     * Holds the action until {@code quorum} distinct members of {@code group} approve it, within
     * {@code ttl} (ISO-8601, e.g. {@code PT1H}).
     */
    public static void requireApproval(String group, int quorum, String ttl, String why) {
        String key = group + '\u0000' + quorum + '\u0000' + ttl;
        ApprovalRequirement requirement = REQUIREMENTS.get(key);
        if (requirement == null) {
            requirement = ApprovalRequirement.of(checkGroup(group), checkQuorum(quorum), ttl(ttl));
            if (REQUIREMENTS.size() < 4096) {
                REQUIREMENTS.put(key, requirement);
            }
        }
        Evaluation.current().record(Verdict.NEEDS_APPROVAL, why, requirement);
    }

    static String checkGroup(String group) {
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("requireApproval needs a group name");
        }
        return group;
    }

    static int checkQuorum(int quorum) {
        if (quorum < 1) {
            throw new IllegalArgumentException("requireApproval needs a quorum of at least 1, got " + quorum);
        }
        return quorum;
    }

    /** Parses a positive ISO-8601 duration; the message says what is wrong otherwise. */
    static Duration ttl(String ttl) {
        Duration cached = ttl == null ? null : TTLS.get(ttl);
        if (cached != null) {
            return cached;
        }
        Duration parsed = parseTtl(ttl);
        if (TTLS.size() < 1024) {
            TTLS.put(ttl, parsed);
        }
        return parsed;
    }

    static Duration parseTtl(String ttl) {
        Duration d;
        try {
            d = Duration.parse(String.valueOf(ttl));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("ttl \"" + ttl + "\" is not an ISO-8601 duration such as PT30M or PT1H");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("ttl \"" + ttl + "\" must be longer than zero");
        }
        return d;
    }
}
