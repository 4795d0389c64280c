package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ApprovalMessage.Group;
import dev.countersign.connectors.ApprovalMessage.Rule;
import dev.countersign.connectors.ApprovalMessage.Status;
import dev.countersign.connectors.ApprovalMessage.Vote;
import dev.countersign.connectors.ReviewerChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The body of an approval's Adaptive Card, rendered within a {@link Budget}: the headline, the status
 * line, the facts (who, what, on what, where to, with which model and data, tags, the approval id),
 * the command and intent in monospace, the rules that fired, each group's progress, the votes, and the
 * link. Every caller string goes through {@link AdaptiveText}; lists longer than the budget end in
 * "…and N more".
 */
final class TeamsCardBody {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /**
     * How much of a message a card shows: the most rules, groups, votes and tags listed one by one,
     * and the longest of each kind of text (in characters before escaping).
     */
    record Budget(int rules, int ruleText, int groups, int votes, int comment, int tags, int field, int command, int intent,
                  int reason) {
    }

    /** From the fullest card to the barest, which fits whatever the message holds. */
    static final List<Budget> BUDGETS = List.of(
            new Budget(10, 600, 20, 20, 300, 20, 300, 3000, 3000, 1000),
            new Budget(6, 300, 10, 10, 150, 10, 150, 1500, 1500, 500),
            new Budget(3, 150, 5, 5, 80, 5, 80, 600, 600, 300),
            new Budget(0, 0, 0, 0, 0, 0, 40, 200, 200, 100));

    private TeamsCardBody() {
    }

    /** The body elements of {@code m}'s card, without the viewer's part and the inputs. */
    static ArrayNode render(ApprovalMessage m, Budget b) {
        ArrayNode body = JSON.arrayNode();
        body.add(text(m.status().title() + ": " + orElse(AdaptiveText.line(m.action().name(), 100), "an action"))
                .put("size", "Medium").put("weight", "Bolder"));
        body.add(text(statusLine(m, b)).put("color", color(m.status())));
        String reason = denyReason(m, b);
        if (reason != null) {
            body.add(text(reason));
        }
        ObjectNode facts = facts(m, b);
        if (facts != null) {
            body.add(facts);
        }
        if (m.action().command() != null) {
            body.add(text("**Command**").put("spacing", "Medium"));
            body.add(text(monospace(m.action().command(), b.command())).put("fontType", "Monospace").put("spacing", "None"));
        }
        if (m.action().intent() != null) {
            body.add(text("**Intent**, as the requester states it").put("spacing", "Medium"));
            body.add(text(monospace(m.action().intent(), b.intent())).put("fontType", "Monospace").put("spacing", "None"));
        }
        rules(m.rules(), b, body);
        groups(m.groups(), b, body);
        votes(m.votes(), b, body);
        String link = AdaptiveText.link(m.link(), "Open in Countersign");
        body.add(text("Approval " + (m.approvalId() == null ? "(no id)" : AdaptiveText.line(m.approvalId(), 200))
                + (link == null ? "" : " · " + link)).put("isSubtle", true).put("size", "Small").put("separator", true));
        return body;
    }

    /** The plain text a client shows where it cannot render the card, and notifications show: status, who, what, on what. */
    static String fallback(ApprovalMessage m) {
        return AdaptiveText.fit(AdaptiveText.defang(AdaptiveText.clean(m.summary(), false)), 300);
    }

    static ObjectNode text(String markdown) {
        return JSON.objectNode().put("type", "TextBlock").put("text", markdown).put("wrap", true);
    }

    private static String color(Status status) {
        return switch (status) {
            case PENDING -> "Warning";
            case APPROVED, REDEEMED -> "Good";
            case DENIED -> "Attention";
            case EXPIRED -> "Default";
        };
    }

    private static String statusLine(ApprovalMessage m, Budget b) {
        String by = m.decidedBy() == null ? "" : " by " + AdaptiveText.line(m.decidedBy(), 200);
        String at = m.decidedAt() == null ? "" : " " + AdaptiveText.date(m.decidedAt());
        return switch (m.status()) {
            case PENDING -> "**Pending**" + (m.expiresAt() == null ? "" : " until " + AdaptiveText.date(m.expiresAt())) + stillNeeded(m.groups(), b);
            case APPROVED -> "**Approved**" + by + at + ". The requester may now use it once.";
            case DENIED -> "**Denied**" + by + at + ".";
            case EXPIRED -> "**Expired**" + at + " before enough reviewers approved.";
            case REDEEMED -> "**Approved**" + by + at + ", **used**" + (m.redeemedAt() == null ? "" : " " + AdaptiveText.date(m.redeemedAt()))
                    + ". It cannot be used again.";
        };
    }

    private static String stillNeeded(List<Group> groups, Budget b) {
        List<Group> open = groups.stream().filter(g -> g.needed() > 0).toList();
        if (open.isEmpty()) {
            return "";
        }
        int shown = Math.min(open.size(), Math.max(1, b.groups()));
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < shown; i++) {
            parts.add(open.get(i).needed() + " from " + orElse(AdaptiveText.line(open.get(i).name(), Math.min(100, b.field())), "?"));
        }
        String more = open.size() > shown ? ", …and " + (open.size() - shown) + " more groups" : "";
        return ". Still needed: " + String.join(", ", parts) + more;
    }

    /** The comment of the deny that decided it (the decider's, else the first deny's), or null. */
    private static String denyReason(ApprovalMessage m, Budget b) {
        if (m.status() != Status.DENIED) {
            return null;
        }
        List<Vote> denies = m.votes(ReviewerChoice.DENY);
        Vote decisive = denies.stream().filter(v -> Objects.equals(v.reviewer(), m.decidedBy())).findFirst()
                .orElse(denies.isEmpty() ? null : denies.get(0));
        if (decisive == null || decisive.comment() == null || decisive.comment().isBlank()) {
            return null;
        }
        return "**Reason**: " + AdaptiveText.lines(decisive.comment(), b.reason());
    }

    /** Who, what, on what, where to, with which model and data, the tags: absent ones left out. */
    private static ObjectNode facts(ApprovalMessage m, Budget b) {
        ApprovalMessage.Requester who = m.requester();
        ApprovalMessage.Resource on = m.resource();
        List<String[]> facts = new ArrayList<>();
        fact(facts, "Requested by", who.actorId(), who.actorType(), b);
        fact(facts, "On behalf of", who.onBehalfOf(), null, b);
        fact(facts, "API client", who.client(), null, b);
        fact(facts, "Action", m.action().name(), null, b);
        fact(facts, "Resource", on.id(), on.type(), b);
        fact(facts, "Classification", on.classification(), null, b);
        fact(facts, "Environment", on.environment(), null, b);
        fact(facts, "Region", on.region(), null, b);
        fact(facts, "Target", joined(m.target().region(), m.target().endpoint()), null, b);
        fact(facts, "Model", m.lineage().modelId(), null, b);
        fact(facts, "Dataset origin", m.lineage().datasetOrigin(), null, b);
        List<String> tags = m.lineage().complianceTags();
        if (!tags.isEmpty()) {
            int shown = Math.min(tags.size(), b.tags());
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < shown; i++) {
                parts.add(AdaptiveText.line(tags.get(i), 60));
            }
            String more = tags.size() > shown ? (shown == 0 ? "" : ", ") + "…and " + (tags.size() - shown) + " more tags" : "";
            facts.add(new String[] {"Compliance tags", String.join(", ", parts) + more});
        }
        if (facts.isEmpty()) {
            return null;
        }
        return factSet(facts);
    }

    private static void fact(List<String[]> facts, String title, String value, String note, Budget b) {
        if (value == null && note == null) {
            return;
        }
        String shown = value == null ? "—" : AdaptiveText.line(value, b.field());
        facts.add(new String[] {title, note == null ? shown : shown + " (" + AdaptiveText.line(note, 60) + ")"});
    }

    private static String joined(String first, String second) {
        if (first == null) {
            return second;
        }
        return second == null ? first : first + " · " + second;
    }

    /** The first rules the budget allows, one text each, then how many more fired. */
    private static void rules(List<Rule> rules, Budget b, ArrayNode body) {
        if (rules.isEmpty()) {
            body.add(text("**Rules that fired**: none listed").put("separator", true));
            return;
        }
        body.add(text("**Rules that fired** (" + rules.size() + ")").put("separator", true));
        int shown = Math.min(b.rules(), rules.size());
        for (int i = 0; i < shown; i++) {
            body.add(text(ruleText(rules.get(i), b)).put("spacing", "Small"));
        }
        if (rules.size() > shown) {
            body.add(text("…and " + (rules.size() - shown) + " more rules; the approval's record lists them all.").put("isSubtle", true));
        }
    }

    private static String ruleText(Rule r, Budget b) {
        StringBuilder text = new StringBuilder("**").append(orElse(AdaptiveText.line(r.name(), 200), "(unnamed rule)")).append("**");
        if (r.packageName() != null) {
            text.append(" in ").append(AdaptiveText.line(r.packageName(), 100));
        }
        if (r.verdict() != null) {
            text.append(": ").append(AdaptiveText.line(r.verdict(), 40));
        }
        if (r.message() != null) {
            text.append("\n\n").append(AdaptiveText.lines(r.message(), b.ruleText()));
        }
        if (r.source() != null) {
            text.append("\n\n").append(AdaptiveText.line(r.source(), 200));
        }
        if (!r.controls().isEmpty()) {
            text.append("\n\nControls: ").append(AdaptiveText.line(String.join(", ", r.controls()), 300));
        }
        return text.toString();
    }

    private static void groups(List<Group> groups, Budget b, ArrayNode body) {
        if (groups.isEmpty()) {
            return;
        }
        body.add(text("**Approvals needed**").put("separator", true));
        int shown = Math.min(b.groups(), groups.size());
        List<String[]> facts = new ArrayList<>();
        for (int i = 0; i < shown; i++) {
            Group g = groups.get(i);
            facts.add(new String[] {orElse(AdaptiveText.line(g.name(), 100), "?"),
                    g.approvals() + " of " + g.quorum() + (g.needed() > 0 ? ", " + g.needed() + " more needed" : ", done")});
        }
        if (!facts.isEmpty()) {
            body.add(factSet(facts).put("spacing", "Small"));
        }
        if (groups.size() > shown) {
            body.add(text("…and " + (groups.size() - shown) + " more groups").put("isSubtle", true));
        }
    }

    private static void votes(List<Vote> votes, Budget b, ArrayNode body) {
        if (votes.isEmpty()) {
            return;
        }
        body.add(text("**Votes** (" + votes.size() + ")").put("separator", true));
        int shown = Math.min(b.votes(), votes.size());
        List<String[]> facts = new ArrayList<>();
        for (int i = 0; i < shown; i++) {
            facts.add(new String[] {orElse(AdaptiveText.line(votes.get(i).reviewer(), 100), "someone"), voteText(votes.get(i), b)});
        }
        if (!facts.isEmpty()) {
            body.add(factSet(facts).put("spacing", "Small"));
        }
        if (votes.size() > shown) {
            body.add(text("…and " + (votes.size() - shown) + " more votes").put("isSubtle", true));
        }
    }

    private static String voteText(Vote v, Budget b) {
        StringBuilder text = new StringBuilder(v.choice() == ReviewerChoice.DENY ? "denied" : v.choice() == ReviewerChoice.APPROVE ? "approved" : "voted");
        if (v.at() != null) {
            text.append(" · ").append(AdaptiveText.utc(v.at()));
        }
        if (v.channel() != null) {
            text.append(" · via ").append(AdaptiveText.line(v.channel(), 20));
        }
        if (v.comment() != null && !v.comment().isBlank() && b.comment() > 0) {
            text.append(" · “").append(AdaptiveText.line(v.comment(), b.comment())).append('”');
        }
        return text.toString();
    }

    private static String monospace(String s, int max) {
        String text = AdaptiveText.lines(s, max);
        return text.isEmpty() ? " " : text;
    }

    private static ObjectNode factSet(List<String[]> facts) {
        ObjectNode set = JSON.objectNode().put("type", "FactSet");
        ArrayNode list = set.putArray("facts");
        facts.forEach(f -> list.addObject().put("title", f[0]).put("value", f[1]));
        return set;
    }

    private static String orElse(String s, String fallback) {
        return s == null || s.isEmpty() ? fallback : s;
    }
}
