package dev.countersign.pdp.evidence;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which records a search or a report takes. Every filter given must hold; none given takes all:
 * {@code since} (inclusive) and {@code until} (exclusive) on the record's time; {@code actor} the
 * actor's id or whom it acts for; {@code action} the action's name; {@code verdict} a decision's
 * verdict (approval events have none, so it takes decisions only); {@code approval} the approval's
 * id (the decision that created or redeemed it, and its events); {@code reviewer} who voted or
 * decided (approval events only); {@code control} a control named by a reason of the decision or by
 * the rules that held the approval; {@code rule} likewise a rule's name. Text compares exactly.
 */
public record AuditQuery(Instant since, Instant until, String actor, String action, String verdict, String approval,
                         String reviewer, String control, String rule) {
    private static final Set<String> VERDICTS = Set.of("allow", "deny", "needs_approval");
    /** Text written the same in a JSON line as it is given: then a line without it cannot match. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9 ._:@()+=,;#*!?$%^|~\\[\\]{}-]+");

    public AuditQuery {
        if (verdict != null && !VERDICTS.contains(verdict)) {
            throw new IllegalArgumentException("--verdict must be allow, deny or needs_approval, got \"" + verdict + "\"");
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("--since (" + since + ") must be before --until (" + until + ")");
        }
    }

    /** A query that takes every record. */
    public static AuditQuery all() {
        return new AuditQuery(null, null, null, null, null, null, null, null, null);
    }

    /** The query for the period only. */
    public static AuditQuery period(Instant since, Instant until) {
        return new AuditQuery(since, until, null, null, null, null, null, null, null);
    }

    /**
     * A time as given to {@code --since} or {@code --until}: an ISO-8601 instant
     * ({@code 2026-12-01T09:00:00Z}, or with an offset), or a date ({@code 2026-12-01}: its start, UTC).
     */
    public static Instant time(String flag, String text) {
        if (text == null) {
            return null;
        }
        Instant at = AuditEntry.instant(text);
        if (at != null) {
            return at;
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(flag + " must be an ISO-8601 time such as 2026-12-01T09:00:00Z or a date such as"
                    + " 2026-12-01, got \"" + text + "\"");
        }
    }

    /** A cheap test of the raw line that no matching record fails (each plain text filter must appear in it). */
    Predicate<String> worth() {
        List<String> needles = new ArrayList<>();
        for (String s : new String[] {actor, action, approval, reviewer, control, rule}) {
            if (s != null && PLAIN.matcher(s).matches()) {
                needles.add(s);
            }
        }
        if (verdict != null) {
            needles.add("\"verdict\":\"" + verdict + "\"");
        }
        String[] all = needles.toArray(new String[0]);
        boolean timed = since != null || until != null;
        if (all.length == 0 && !timed) {
            return line -> true;
        }
        return line -> {
            for (String n : all) {
                if (!line.contains(n)) {
                    return false;
                }
            }
            return !timed || inPeriod(firstTime(line));
        };
    }

    /**
     * The first {@code "time"} of a line: a record's own time, since the server writes it before any
     * field a caller or reviewer supplies (decision records: type, decision_id, time; approval events:
     * type, event, event_id, approval_id, time). Null when there is none that parses.
     */
    static Instant firstTime(String line) {
        int at = line.indexOf("\"time\":\"");
        if (at < 0) {
            return null;
        }
        int from = at + 8;
        int end = line.indexOf('"', from);
        return end < 0 || end - from > 40 ? null : AuditEntry.instant(line.substring(from, end));
    }

    /** Whether a line whose first time is {@code at} may be in the period (one without a readable time is read in full). */
    private boolean inPeriod(Instant at) {
        return at == null || ((since == null || !at.isBefore(since)) && (until == null || at.isBefore(until)));
    }

    /** Whether the record is one this query takes. */
    boolean matches(AuditEntry e) {
        if (since != null && (e.time == null || e.time.isBefore(since))) {
            return false;
        }
        if (until != null && (e.time == null || !e.time.isBefore(until))) {
            return false;
        }
        if (actor != null && !actor.equals(e.actor) && !actor.equals(e.onBehalfOf)) {
            return false;
        }
        if (action != null && !action.equals(e.action)) {
            return false;
        }
        if (verdict != null && (e.kind != AuditEntry.Kind.DECISION || !verdict.equals(e.verdict))) {
            return false;
        }
        if (approval != null && !approval.equals(e.approvalId)) {
            return false;
        }
        if (reviewer != null && (e.kind != AuditEntry.Kind.APPROVAL || !(reviewer.equals(e.reviewer) || reviewer.equals(e.decidedBy)))) {
            return false;
        }
        if (control != null && !e.controls.contains(control)) {
            return false;
        }
        return rule == null || e.rules.contains(rule);
    }

    /** The filters given, as a search would be written ({@code --actor alice --verdict deny}). */
    public String describe() {
        StringBuilder b = new StringBuilder();
        append(b, "since", since == null ? null : since.toString());
        append(b, "until", until == null ? null : until.toString());
        append(b, "actor", actor);
        append(b, "action", action);
        append(b, "verdict", verdict);
        append(b, "approval", approval);
        append(b, "reviewer", reviewer);
        append(b, "control", control);
        append(b, "rule", rule);
        return b.toString().strip();
    }

    private static void append(StringBuilder b, String flag, String value) {
        if (value != null) {
            b.append(" --").append(flag.toLowerCase(Locale.ROOT)).append(' ').append(value.contains(" ") ? "\"" + value + "\"" : value);
        }
    }
}
