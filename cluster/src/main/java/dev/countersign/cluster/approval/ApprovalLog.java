package dev.countersign.cluster.approval;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The events of one approval and how far each of its sinks has taken them, kept inside the
 * approval's entry: the transition that changes the approval appends its event in the same step, and
 * the member holding the entry delivers to each sink and records here what each took. Sinks are
 * names the workflow gives (the audit log, waiters, a callback URL, a chat destination); a sink added
 * later starts where the log then stands, unless told otherwise. Reminders are planned here too, so
 * each is sent once cluster-wide: the first {@code remindAfter} past creation, then every
 * {@code remindEvery}, while the approval is pending.
 *
 * <p>Immutable. {@code dueAt} (derived) is the earliest time some sink has events to take and may be
 * claimed, null when none has: members query their own entries by it.
 */
public final class ApprovalLog implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The most reminders one approval sends. */
    public static final int MAX_REMINDERS = 24;

    private final List<ApprovalEvent> events;
    private final Map<String, Delivery> deliveries;
    private final Duration remindAfter;
    private final Duration remindEvery;
    private final Instant remindAt;
    private final int reminders;
    private final Instant dueAt;

    private ApprovalLog(List<ApprovalEvent> events, Map<String, Delivery> deliveries, Duration remindAfter, Duration remindEvery,
                        Instant remindAt, int reminders) {
        this.events = List.copyOf(events);
        this.deliveries = Collections.unmodifiableMap(new TreeMap<>(deliveries));
        this.remindAfter = remindAfter;
        this.remindEvery = remindEvery;
        this.remindAt = remindAt;
        this.reminders = reminders;
        this.dueAt = due(this.events, this.deliveries);
    }

    /** A log without events for {@code sinks}, planning no reminders. */
    public static ApprovalLog of(List<String> sinks) {
        return of(sinks, null, null);
    }

    /** A log without events for {@code sinks}, reminding {@code after} creation and then {@code every} (each null for never). */
    public static ApprovalLog of(List<String> sinks, Duration after, Duration every) {
        Map<String, Delivery> deliveries = new TreeMap<>();
        for (String sink : sinks) {
            deliveries.putIfAbsent(Objects.requireNonNull(sink), Delivery.start(sink, 0));
        }
        return new ApprovalLog(List.of(), deliveries, after, every, null, 0);
    }

    /** Rebuilds a log from its parts, as stored (for tests and tools; the transitions build their own). */
    public static ApprovalLog restore(List<ApprovalEvent> events, Map<String, Delivery> deliveries, Duration remindAfter,
                                      Duration remindEvery, Instant remindAt, int reminders) {
        return new ApprovalLog(events, deliveries, remindAfter, remindEvery, remindAt, reminders);
    }

    public List<ApprovalEvent> events() {
        return events;
    }

    /** Each sink's delivery, by sink name, in name order. */
    public Map<String, Delivery> deliveries() {
        return deliveries;
    }

    public Duration remindAfter() {
        return remindAfter;
    }

    public Duration remindEvery() {
        return remindEvery;
    }

    /** When the next reminder is due; null when none is planned. */
    public Instant remindAt() {
        return remindAt;
    }

    public int reminders() {
        return reminders;
    }

    public Instant dueAt() {
        return dueAt;
    }

    /** The sequence number of the latest event; 0 before the first. */
    public long lastSeq() {
        return events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
    }

    /** The events after {@code seq}, oldest first. */
    public List<ApprovalEvent> after(long seq) {
        List<ApprovalEvent> later = new ArrayList<>();
        for (ApprovalEvent e : events) {
            if (e.seq() > seq) {
                later.add(e);
            }
        }
        return later;
    }

    /** This log with one more event. */
    ApprovalLog with(String type, Instant at, Map<String, String> details) {
        List<ApprovalEvent> more = new ArrayList<>(events);
        more.add(new ApprovalEvent(lastSeq() + 1, type, at, details));
        return new ApprovalLog(more, deliveries, remindAfter, remindEvery, remindAt, reminders);
    }

    /** This log as created at {@code now}: its first reminder planned from then. */
    ApprovalLog createdAt(Instant now) {
        return new ApprovalLog(events, deliveries, remindAfter, remindEvery, remindAfter == null ? null : now.plus(remindAfter), reminders);
    }

    /** This log with {@code sink} too, taking every event from the first ({@code fromStart}) or only those after the latest. */
    ApprovalLog withSink(String sink, boolean fromStart) {
        if (deliveries.containsKey(sink)) {
            return this;
        }
        Map<String, Delivery> more = new TreeMap<>(deliveries);
        more.put(sink, Delivery.start(sink, fromStart ? 0 : lastSeq()));
        return new ApprovalLog(events, more, remindAfter, remindEvery, remindAt, reminders);
    }

    /** This log with no more reminders planned (the approval was decided). */
    ApprovalLog withoutReminders() {
        return remindAt == null ? this : new ApprovalLog(events, deliveries, remindAfter, remindEvery, null, reminders);
    }

    /** Whether a reminder is due at {@code now}. */
    boolean reminderDue(Instant now) {
        return remindAt != null && !remindAt.isAfter(now) && reminders < MAX_REMINDERS;
    }

    /** This log after sending a reminder at {@code now}: the event, the next one planned, and {@code escalation} added as sinks. */
    ApprovalLog reminded(Instant now, Map<String, String> details, List<String> escalation) {
        ApprovalLog next = this;
        for (String sink : escalation) {
            next = next.withSink(sink, false);   // from the reminder on
        }
        next = next.with(ApprovalEvent.REMINDER, now, details);
        Instant following = remindEvery == null || reminders + 1 >= MAX_REMINDERS ? null : now.plus(remindEvery);
        return new ApprovalLog(next.events, next.deliveries, remindAfter, remindEvery, following, reminders + 1);
    }

    /** The sinks that have events to take and may be claimed at {@code now}, claims of {@code departed} claimers counting as lapsed. */
    List<Delivery> claimable(Instant now, java.util.Set<String> departed) {
        long last = lastSeq();
        List<Delivery> due = new ArrayList<>();
        for (Delivery d : deliveries.values()) {
            if (d.delivered() < last && d.claimable(now, departed)) {
                due.add(d);
            }
        }
        return due;
    }

    /** This log with {@code sinks} claimed by {@code node} until {@code until}. */
    ApprovalLog claimed(List<Delivery> sinks, String node, Instant until, Instant now, java.util.Set<String> departed) {
        Map<String, Delivery> next = new TreeMap<>(deliveries);
        for (Delivery d : sinks) {
            next.put(d.sink(), d.claimed(node, until, now, departed));
        }
        return new ApprovalLog(events, next, remindAfter, remindEvery, remindAt, reminders);
    }

    /** This log with {@code sink}'s delivery replaced. */
    ApprovalLog withDelivery(Delivery d) {
        Map<String, Delivery> next = new TreeMap<>(deliveries);
        next.put(d.sink(), d);
        return new ApprovalLog(events, next, remindAfter, remindEvery, remindAt, reminders);
    }

    private static Instant due(List<ApprovalEvent> events, Map<String, Delivery> deliveries) {
        long last = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
        Instant earliest = null;
        for (Delivery d : deliveries.values()) {
            Instant due = d.delivered() < last ? d.dueAt() : null;
            if (due != null && (earliest == null || due.isBefore(earliest))) {
                earliest = due;
            }
        }
        return earliest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApprovalLog other && events.equals(other.events) && deliveries.equals(other.deliveries)
                && Objects.equals(remindAfter, other.remindAfter) && Objects.equals(remindEvery, other.remindEvery)
                && Objects.equals(remindAt, other.remindAt) && reminders == other.reminders;
    }

    @Override
    public int hashCode() {
        return Objects.hash(events, deliveries, remindAfter, remindEvery, remindAt, reminders);
    }

    @Override
    public String toString() {
        return "log(" + events.size() + " events, sinks " + deliveries.keySet() + ")";
    }
}
