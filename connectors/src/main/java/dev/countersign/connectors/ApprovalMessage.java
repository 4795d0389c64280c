package dev.countersign.connectors;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything a reviewer needs about one held action, as of one moment: who asks, to do what, on
 * what, with which model and data, why the rules held it, who must still approve, the votes so far,
 * and where it stands. Connectors render it; they never see the rules or the cluster behind it.
 *
 * <p>Immutable. <b>Every string may be null, very long or hostile</b> (a command, an intent and an
 * actor id are chosen by the caller asking for the action): renderers escape and truncate, and a
 * post never fails because of the content. A null part is an empty part; null list items are
 * dropped. Only {@code status} is required.
 *
 * @param approvalId the approval's id ({@code apr_…}), the value a reviewer's click carries back
 * @param status     where the approval stands
 * @param requester  who asked
 * @param action     what they want to do
 * @param resource   on what
 * @param target     where to
 * @param lineage    the model, the data's origin and the compliance tags of the action context
 * @param rules      the rules that fired, in the order the decision listed them
 * @param groups     per required group: quorum, approvals so far, still needed
 * @param votes      the counted votes so far, oldest first
 * @param expiresAt  when a pending approval expires (null: unknown)
 * @param decidedAt  when it was approved, denied or expired (null while pending)
 * @param decidedBy  who decided it (the deciding reviewer; null for an expiry)
 * @param redeemedAt when the grant was used (null unless redeemed)
 * @param link       the approval in the API, an absolute http(s) URL (null: none)
 */
public record ApprovalMessage(String approvalId, Status status, Requester requester, Action action, Resource resource,
                              Target target, Lineage lineage, List<Rule> rules, List<Group> groups, List<Vote> votes,
                              Instant expiresAt, Instant decidedAt, String decidedBy, Instant redeemedAt, String link) {

    public ApprovalMessage {
        Objects.requireNonNull(status, "an approval message needs a status");
        requester = requester == null ? new Requester(null, null, null, null) : requester;
        action = action == null ? new Action(null, null, null) : action;
        resource = resource == null ? new Resource(null, null, null, null, null) : resource;
        target = target == null ? new Target(null, null) : target;
        lineage = lineage == null ? new Lineage(null, null, List.of()) : lineage;
        rules = present(rules);
        groups = present(groups);
        votes = present(votes);
    }

    /**
     * The one-line summary notifications show: status, who, what, on what. As the caller wrote it:
     * each renderer escapes and bounds it for its platform.
     */
    public String summary() {
        StringBuilder text = new StringBuilder(status.title()).append(": ");
        text.append(orElse(requester.actorId(), "someone")).append(" asks to ").append(orElse(action.name(), "act"));
        if (resource.id() != null) {
            text.append(" on ").append(resource.id());
        }
        if (resource.environment() != null) {
            text.append(" (").append(resource.environment()).append(')');
        }
        return text.toString();
    }

    private static String orElse(String s, String fallback) {
        return s == null || s.isEmpty() ? fallback : s;
    }

    /** Where an approval stands. Every status but {@code PENDING} is final: no buttons any more. */
    public enum Status {
        PENDING, APPROVED, DENIED, EXPIRED, REDEEMED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean isFinal() {
            return this != PENDING;
        }

        /** How a card headlines this status. */
        public String title() {
            return switch (this) {
                case PENDING -> "Approval needed";
                case APPROVED -> "Approved";
                case DENIED -> "Denied";
                case EXPIRED -> "Expired";
                case REDEEMED -> "Approved and used";
            };
        }
    }

    /** The requester: the actor, its type, whom it acts for, and the API client that sent the request. */
    public record Requester(String actorId, String actorType, String onBehalfOf, String client) {
    }

    /** The action: its name ({@code data.export}), the command as given, and the stated intent. */
    public record Action(String name, String command, String intent) {
    }

    /** The resource acted on. */
    public record Resource(String type, String id, String classification, String environment, String region) {
    }

    /** Where the action sends things. */
    public record Target(String region, String endpoint) {
    }

    /** The model and data behind the action, and the compliance tags of its context. */
    public record Lineage(String modelId, String datasetOrigin, List<String> complianceTags) {
        public Lineage {
            complianceTags = present(complianceTags);
        }
    }

    /**
     * A rule that fired: its name, package, verdict, message, where it is written
     * ({@code policies/export.drl:14}) and the controls it enforces ({@code SOC2:CC6.1}; empty when none).
     */
    public record Rule(String name, String packageName, String verdict, String message, String source, List<String> controls) {
        public Rule {
            controls = present(controls);
        }

        /** A rule that names no control. */
        public Rule(String name, String packageName, String verdict, String message, String source) {
            this(name, packageName, verdict, message, source, List.of());
        }
    }

    /** A required group: its quorum of distinct approvers, the approvals counted so far, and how many are still needed. */
    public record Group(String name, int quorum, int approvals, int needed) {
        /** A group whose still-needed count follows from quorum and approvals. */
        public Group(String name, int quorum, int approvals) {
            this(name, quorum, approvals, Math.max(0, quorum - approvals));
        }
    }

    /** A counted vote: who, their choice, their comment (the reason of a deny), when, and through which channel (api, slack, teams). */
    public record Vote(String reviewer, ReviewerChoice choice, String comment, Instant at, String channel) {
    }

    /** The votes whose choice is {@code choice}. */
    public List<Vote> votes(ReviewerChoice choice) {
        return votes.stream().filter(v -> v.choice() == choice).toList();
    }

    /** A builder for a message about approval {@code approvalId} in {@code status}. */
    public static Builder builder(String approvalId, Status status) {
        return new Builder(approvalId, status);
    }

    /** Builds an {@link ApprovalMessage} part by part; parts not given are empty. */
    public static final class Builder {
        private final String approvalId;
        private final Status status;
        private Requester requester;
        private Action action;
        private Resource resource;
        private Target target;
        private Lineage lineage;
        private final List<Rule> rules = new ArrayList<>();
        private final List<Group> groups = new ArrayList<>();
        private final List<Vote> votes = new ArrayList<>();
        private Instant expiresAt;
        private Instant decidedAt;
        private String decidedBy;
        private Instant redeemedAt;
        private String link;

        private Builder(String approvalId, Status status) {
            this.approvalId = approvalId;
            this.status = status;
        }

        public Builder requester(String actorId, String actorType, String onBehalfOf, String client) {
            this.requester = new Requester(actorId, actorType, onBehalfOf, client);
            return this;
        }

        public Builder action(String name, String command, String intent) {
            this.action = new Action(name, command, intent);
            return this;
        }

        public Builder resource(String type, String id, String classification, String environment, String region) {
            this.resource = new Resource(type, id, classification, environment, region);
            return this;
        }

        public Builder target(String region, String endpoint) {
            this.target = new Target(region, endpoint);
            return this;
        }

        public Builder lineage(String modelId, String datasetOrigin, List<String> complianceTags) {
            this.lineage = new Lineage(modelId, datasetOrigin, complianceTags);
            return this;
        }

        public Builder rule(String name, String packageName, String verdict, String message, String source) {
            return rule(name, packageName, verdict, message, source, List.of());
        }

        public Builder rule(String name, String packageName, String verdict, String message, String source, List<String> controls) {
            rules.add(new Rule(name, packageName, verdict, message, source, controls));
            return this;
        }

        public Builder group(String name, int quorum, int approvals) {
            groups.add(new Group(name, quorum, approvals));
            return this;
        }

        public Builder vote(String reviewer, ReviewerChoice choice, String comment, Instant at, String channel) {
            votes.add(new Vote(reviewer, choice, comment, at, channel));
            return this;
        }

        public Builder expiresAt(Instant at) {
            this.expiresAt = at;
            return this;
        }

        public Builder decided(Instant at, String by) {
            this.decidedAt = at;
            this.decidedBy = by;
            return this;
        }

        public Builder redeemedAt(Instant at) {
            this.redeemedAt = at;
            return this;
        }

        public Builder link(String url) {
            this.link = url;
            return this;
        }

        public ApprovalMessage build() {
            return new ApprovalMessage(approvalId, status, requester, action, resource, target, lineage, rules, groups, votes,
                    expiresAt, decidedAt, decidedBy, redeemedAt, link);
        }
    }

    /** An unmodifiable copy of {@code items} without its null items; empty for null. */
    private static <T> List<T> present(List<T> items) {
        return items == null ? List.of() : items.stream().filter(Objects::nonNull).toList();
    }
}
