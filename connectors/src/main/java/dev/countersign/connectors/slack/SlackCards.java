package dev.countersign.connectors.slack;

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
import java.util.function.Function;

/**
 * The Slack card of an approval, rendered as Block Kit JSON: {@code {"text": …, "blocks": [...]}},
 * ready to be the body of {@code chat.postMessage} or {@code chat.update} once {@code channel}
 * (and {@code ts}) are added.
 *
 * <p>The card shows, top to bottom: a header with the status and the action; the status line (who
 * decided and when, the deny reason, or what is still needed and when it expires); who asks (actor,
 * type, on behalf of, API client), what (action), on what (resource, classification, environment,
 * region, target), with which model and dataset; the command and the stated intent as code blocks
 * (they are the requester's words, never Countersign's); the compliance tags; every rule that fired
 * with its message and {@code file:line}; each required group's progress; the votes so far; the
 * expiry and the approval's id and link; and, only while pending, Approve ({@code action_id}
 * {@code approve}, {@code primary}) and Deny ({@code deny}, {@code danger}, with a confirm dialog)
 * whose {@code value} is the approval id.
 *
 * <p>Whatever the message holds, the card is within Block Kit's limits (50 blocks; section text
 * 3000; 10 fields of 2000; header 150; button text 75 and value 2000; unique {@code block_id}s of
 * at most 255; context 10 elements; confirm title 100, text 300, buttons 30): every caller string
 * is escaped ({@link Mrkdwn}) and cut with an ellipsis, more than {@value #MAX_RULES} rules or a
 * long list of votes or groups are summarised ("and 12 more"). Block ids carry the status and the
 * vote count, so each version of a card has ids of its own, as Slack asks for updated messages.
 */
public final class SlackCards {
    static final int SECTION_TEXT = 3000;
    static final int FIELD_TEXT = 2000;
    static final int HEADER_TEXT = 150;
    static final int BUTTON_VALUE = 2000;
    /** The most rules shown one by one; the rest are counted. */
    static final int MAX_RULES = 10;
    /** Longest fallback text: it is what a notification shows. */
    static final int FALLBACK_TEXT = 300;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SlackCards() {
    }

    /** The card for {@code message}: with buttons while it is pending. */
    public static ObjectNode card(ApprovalMessage message) {
        return render(message, true);
    }

    /** The card for {@code message} without buttons, for a person notified directly. */
    public static ObjectNode notice(ApprovalMessage message) {
        return render(message, false);
    }

    private static ObjectNode render(ApprovalMessage m, boolean buttons) {
        String version = "." + m.status().wireName() + "." + m.votes().size();
        ArrayNode blocks = JSON.arrayNode();
        blocks.add(header(m.status().title() + ": " + orElse(m.action().name(), "an action"), "head" + version));
        blocks.add(section(statusLine(m), "status" + version));
        ObjectNode facts = facts(m, "facts" + version);
        if (facts != null) {
            blocks.add(facts);
        }
        if (m.action().command() != null) {
            blocks.add(section("*Command*\n" + Mrkdwn.codeBlock(m.action().command(), SECTION_TEXT - 12), "command" + version));
        }
        if (m.action().intent() != null) {
            blocks.add(section("*Intent*, as the requester states it\n" + Mrkdwn.codeBlock(m.action().intent(), SECTION_TEXT - 40),
                    "intent" + version));
        }
        if (!m.lineage().complianceTags().isEmpty()) {
            blocks.add(section(listed("*Compliance tags* ", " ", m.lineage().complianceTags(), t -> Mrkdwn.code(t, 200), "tags", SECTION_TEXT),
                    "tags" + version));
        }
        blocks.add(JSON.objectNode().put("type", "divider").put("block_id", "rules-start" + version));
        rules(m.rules(), version, blocks);
        if (!m.groups().isEmpty()) {
            blocks.add(section(listed("*Approvals needed*\n", "\n", m.groups(), SlackCards::groupLine, "groups", SECTION_TEXT), "groups" + version));
        }
        if (!m.votes().isEmpty()) {
            blocks.add(section(listed("*Votes*\n", "\n", m.votes(), SlackCards::voteLine, "votes", SECTION_TEXT), "votes" + version));
        }
        blocks.add(context(m, "about" + version));
        if (buttons && m.status() == Status.PENDING && m.approvalId() != null && !m.approvalId().isEmpty()
                && m.approvalId().length() <= BUTTON_VALUE) {
            blocks.add(actions(m.approvalId(), "decide" + version));
        }
        ObjectNode card = JSON.objectNode();
        card.put("text", fallback(m));
        card.set("blocks", blocks);
        return card;
    }

    /** The notification text: status, who, what, on what; escaped like everything else. */
    static String fallback(ApprovalMessage m) {
        return Mrkdwn.fit(Mrkdwn.line(m.summary()), FALLBACK_TEXT);
    }

    private static String statusLine(ApprovalMessage m) {
        String by = m.decidedBy() == null ? "" : " by " + Mrkdwn.code(m.decidedBy(), 300);
        String at = m.decidedAt() == null ? "" : " " + Mrkdwn.date(m.decidedAt());
        String line = switch (m.status()) {
            case PENDING -> {
                String head = "*Pending*" + (m.expiresAt() == null ? "" : " until " + Mrkdwn.date(m.expiresAt()));
                yield head + stillNeeded(m.groups(), SECTION_TEXT - head.length());
            }
            case APPROVED -> "*Approved*" + by + at + ". The requester may now use it once.";
            case DENIED -> "*Denied*" + by + at + "." + denyReason(m);
            case EXPIRED -> "*Expired*" + at + " before enough reviewers approved.";
            case REDEEMED -> "*Approved*" + by + at + ", *used*" + (m.redeemedAt() == null ? "" : " " + Mrkdwn.date(m.redeemedAt()))
                    + ". It cannot be used again.";
        };
        return Mrkdwn.fit(line, SECTION_TEXT);
    }

    private static String stillNeeded(List<Group> groups, int budget) {
        List<Group> open = groups.stream().filter(g -> g.needed() > 0).toList();
        if (open.isEmpty()) {
            return "";
        }
        return listed(". Still needed: ", ", ", open,
                g -> g.needed() + " from " + Mrkdwn.code(orElse(g.name(), "?"), 200), "groups", budget);
    }

    /** The comment of the deny that decided it (the decider's, else the first deny's), quoted. */
    private static String denyReason(ApprovalMessage m) {
        List<Vote> denies = m.votes(ReviewerChoice.DENY);
        Vote decisive = denies.stream().filter(v -> Objects.equals(v.reviewer(), m.decidedBy())).findFirst()
                .orElse(denies.isEmpty() ? null : denies.get(0));
        if (decisive == null || decisive.comment() == null || decisive.comment().isBlank()) {
            return "";
        }
        return "\n" + Mrkdwn.fit(">" + Mrkdwn.lines(decisive.comment()).replace("\n", "\n>"), 2000);
    }

    /** Who, what, on what, where to, with which model and data: up to ten fields, absent ones left out. */
    private static ObjectNode facts(ApprovalMessage m, String blockId) {
        ApprovalMessage.Requester who = m.requester();
        ApprovalMessage.Resource on = m.resource();
        List<String> fields = new ArrayList<>();
        field(fields, "Requested by", who.actorId(), who.actorType() == null ? null : "(" + who.actorType() + ")");
        field(fields, "On behalf of", who.onBehalfOf(), null);
        field(fields, "API client", who.client(), null);
        field(fields, "Action", m.action().name(), null);
        field(fields, "Resource", on.id(), on.type() == null ? null : "(" + on.type() + ")");
        field(fields, "Classification", on.classification(), null);
        field(fields, "Environment", joined(on.environment(), on.region()), null);
        field(fields, "Target", joined(m.target().region(), m.target().endpoint()), null);
        field(fields, "Model", m.lineage().modelId(), null);
        field(fields, "Dataset origin", m.lineage().datasetOrigin(), null);
        if (fields.isEmpty()) {
            return null;
        }
        ObjectNode block = JSON.objectNode().put("type", "section").put("block_id", blockId);
        ArrayNode array = block.putArray("fields");
        fields.forEach(f -> array.add(mrkdwn(f)));
        return block;
    }

    private static void field(List<String> fields, String label, String value, String note) {
        if (value == null && note == null) {
            return;
        }
        String shownNote = note == null ? "" : " " + Mrkdwn.fit(Mrkdwn.line(note), 200);
        String label2 = "*" + label + "*\n";
        int room = FIELD_TEXT - label2.length() - shownNote.length();
        fields.add(label2 + (value == null ? "—" : Mrkdwn.code(value, room)) + shownNote);
    }

    private static String joined(String first, String second) {
        if (first == null) {
            return second;
        }
        return second == null ? first : first + " · " + second;
    }

    /** The first {@value #MAX_RULES} rules, one section each, then how many more fired. */
    private static void rules(List<Rule> rules, String version, ArrayNode blocks) {
        if (rules.isEmpty()) {
            blocks.add(section("*Rules that fired*: none listed", "rules" + version));
            return;
        }
        blocks.add(section("*Rules that fired* (" + rules.size() + ")", "rules" + version));
        for (int i = 0; i < Math.min(MAX_RULES, rules.size()); i++) {
            blocks.add(section(ruleText(rules.get(i)), "rule-" + i + version));
        }
        if (rules.size() > MAX_RULES) {
            blocks.add(section("…and " + (rules.size() - MAX_RULES) + " more rules; the approval's record lists them all.",
                    "rules-more" + version));
        }
    }

    private static String ruleText(Rule r) {
        StringBuilder text = new StringBuilder("*").append(Mrkdwn.fit(Mrkdwn.line(orElse(r.name(), "(unnamed rule)")), 300)).append('*');
        if (r.packageName() != null) {
            text.append(" in ").append(Mrkdwn.code(r.packageName(), 200));
        }
        if (r.verdict() != null) {
            text.append(": ").append(Mrkdwn.fit(Mrkdwn.line(r.verdict()), 40));
        }
        if (r.message() != null) {
            text.append('\n').append(Mrkdwn.fit(Mrkdwn.lines(r.message()), 2000));
        }
        if (r.source() != null) {
            text.append('\n').append(Mrkdwn.code(r.source(), 300));
        }
        if (!r.controls().isEmpty()) {
            text.append("\nControls: ").append(Mrkdwn.fit(Mrkdwn.line(String.join(", ", r.controls())), 500));
        }
        return Mrkdwn.fit(text.toString(), SECTION_TEXT);
    }

    private static String groupLine(Group g) {
        String name = Mrkdwn.code(orElse(g.name(), "?"), 200);
        String still = g.needed() > 0 ? ", " + g.needed() + " more needed" : ", done";
        return "• " + name + ": " + g.approvals() + " of " + g.quorum() + still;
    }

    private static String voteLine(Vote v) {
        String choice = v.choice() == ReviewerChoice.DENY ? ":no_entry: denied" : v.choice() == ReviewerChoice.APPROVE
                ? ":white_check_mark: approved" : "voted";
        StringBuilder line = new StringBuilder("• ").append(Mrkdwn.code(orElse(v.reviewer(), "someone"), 200)).append(' ').append(choice);
        if (v.at() != null) {
            line.append(' ').append(Mrkdwn.date(v.at()));
        }
        if (v.channel() != null) {
            line.append(" via ").append(Mrkdwn.fit(Mrkdwn.line(v.channel()), 20));
        }
        if (v.comment() != null && !v.comment().isBlank()) {
            line.append(": “").append(Mrkdwn.fit(Mrkdwn.line(v.comment()), 300)).append('”');
        }
        return line.toString();
    }

    /**
     * {@code lead} then the items joined by {@code between}, as many as fit in {@code budget}
     * characters, then "…and N more {noun}" for the rest.
     */
    private static <T> String listed(String lead, String between, List<T> items, Function<T, String> shown, String noun,
                                     int budget) {
        StringBuilder text = new StringBuilder(lead);
        int reserve = 40;
        for (int i = 0; i < items.size(); i++) {
            String item = (i == 0 ? "" : between) + shown.apply(items.get(i));
            if (text.length() + item.length() > budget - reserve) {
                text.append(between).append("…and ").append(items.size() - i).append(" more ").append(noun);
                break;
            }
            text.append(item);
        }
        return text.toString();
    }

    private static ObjectNode context(ApprovalMessage m, String blockId) {
        ObjectNode block = JSON.objectNode().put("type", "context").put("block_id", blockId);
        ArrayNode elements = block.putArray("elements");
        elements.add(mrkdwn("Approval " + (m.approvalId() == null ? "(no id)" : Mrkdwn.code(m.approvalId(), 2000))));
        String link = Mrkdwn.link(m.link(), "Open in Countersign");
        if (link != null) {
            elements.add(mrkdwn(link));
        }
        return block;
    }

    private static ObjectNode actions(String approvalId, String blockId) {
        ObjectNode block = JSON.objectNode().put("type", "actions").put("block_id", blockId);
        ArrayNode elements = block.putArray("elements");
        elements.add(button("Approve", ReviewerChoice.APPROVE, approvalId).put("style", "primary"));
        ObjectNode deny = button("Deny", ReviewerChoice.DENY, approvalId).put("style", "danger");
        ObjectNode confirm = deny.putObject("confirm");
        confirm.set("title", plain("Deny this action?"));
        confirm.set("text", mrkdwn("It is denied for everyone at once and cannot be undone. You will be asked why."));
        confirm.set("confirm", plain("Deny"));
        confirm.set("deny", plain("Cancel"));
        confirm.put("style", "danger");
        elements.add(deny);
        return block;
    }

    private static ObjectNode button(String text, ReviewerChoice choice, String approvalId) {
        ObjectNode button = JSON.objectNode().put("type", "button").put("action_id", choice.wireName());
        button.set("text", plain(text));
        button.put("value", approvalId);
        return button;
    }

    private static ObjectNode header(String text, String blockId) {
        ObjectNode block = JSON.objectNode().put("type", "header").put("block_id", blockId);
        block.set("text", plain(Mrkdwn.fit(Mrkdwn.line(text), HEADER_TEXT)));
        return block;
    }

    private static ObjectNode section(String text, String blockId) {
        ObjectNode block = JSON.objectNode().put("type", "section").put("block_id", blockId);
        block.set("text", mrkdwn(Mrkdwn.fit(text, SECTION_TEXT)));
        return block;
    }

    static ObjectNode mrkdwn(String text) {
        return JSON.objectNode().put("type", "mrkdwn").put("text", text);
    }

    static ObjectNode plain(String text) {
        return JSON.objectNode().put("type", "plain_text").put("text", text);
    }

    private static String orElse(String s, String fallback) {
        return s == null || s.isEmpty() ? fallback : s;
    }
}
