package dev.countersign.connectors.teams;

import dev.countersign.connectors.ReviewerChoice;
import java.util.List;
import java.util.Objects;

/**
 * Who a card is rendered for, as the pdp decided it: anyone (the card posted to a conversation), or
 * one person whose client asked for their own view (a card refresh, the answer to a click) and who may
 * or may not vote. The connector decides nothing about who may vote; it shows what it is told.
 *
 * <p>While the approval is pending, a viewer who {@link #mayVote()} sees the Approve and Deny buttons
 * and the deny reason's input; anyone else sees {@link #note()} where the buttons would be. Once the
 * approval is decided nobody sees buttons, and only a viewer who voted sees a note (their vote).
 *
 * @param kind   which of the cases below
 * @param choice the viewer's vote ({@link Kind#VOTED} only)
 * @param groups the groups whose reviewers may vote ({@link Kind#NOT_A_REVIEWER} only)
 * @param reason why the viewer may not vote, in the pdp's words ({@link Kind#MAY_NOT_VOTE} only)
 */
public record Viewer(Kind kind, ReviewerChoice choice, List<String> groups, String reason) {
    /** The cases of a viewer. */
    public enum Kind {
        /** Anyone in the conversation: the card as posted. */
        ANYONE,
        /** A reviewer who may still vote. */
        REVIEWER,
        /** A reviewer who has voted. */
        VOTED,
        /** Someone who is in none of the groups that must approve. */
        NOT_A_REVIEWER,
        /** The requester, or whom the action is for: they may not approve their own request. */
        REQUESTER,
        /** Someone who may not vote for another reason, given in words. */
        MAY_NOT_VOTE
    }

    public Viewer {
        Objects.requireNonNull(kind, "a viewer needs a kind");
        groups = groups == null ? List.of() : groups.stream().filter(Objects::nonNull).toList();
        if (kind == Kind.VOTED) {
            Objects.requireNonNull(choice, "a viewer who voted has a choice");
        }
    }

    /** Anyone: the card posted to a conversation, with buttons while pending. */
    public static Viewer anyone() {
        return new Viewer(Kind.ANYONE, null, List.of(), null);
    }

    /** A reviewer who may still vote: buttons while pending. */
    public static Viewer reviewer() {
        return new Viewer(Kind.REVIEWER, null, List.of(), null);
    }

    /** A reviewer who has voted {@code choice}: "You approved this." instead of buttons. */
    public static Viewer voted(ReviewerChoice choice) {
        return new Viewer(Kind.VOTED, choice, List.of(), null);
    }

    /** Someone outside the groups that must approve: "Only reviewers of data-governance or security can vote." */
    public static Viewer notAReviewer(List<String> groups) {
        return new Viewer(Kind.NOT_A_REVIEWER, null, groups, null);
    }

    /** The requester, or whom the action is for. */
    public static Viewer requester() {
        return new Viewer(Kind.REQUESTER, null, List.of(), null);
    }

    /** Someone who may not vote, for {@code reason} (shown escaped). */
    public static Viewer mayNotVote(String reason) {
        return new Viewer(Kind.MAY_NOT_VOTE, null, List.of(), reason);
    }

    /** Whether this viewer gets the buttons while the approval is pending. */
    public boolean mayVote() {
        return kind == Kind.ANYONE || kind == Kind.REVIEWER;
    }

    /**
     * What this viewer is told instead of buttons, in plain words not yet escaped, or null for none.
     * The groups are listed up to {@code maxGroups}.
     */
    String note(boolean decided, int maxGroups) {
        if (kind == Kind.VOTED) {
            return choice == ReviewerChoice.APPROVE ? "You approved this." : "You denied this.";
        }
        if (decided) {
            return null;
        }
        return switch (kind) {
            case ANYONE, REVIEWER, VOTED -> null;
            case NOT_A_REVIEWER -> groups.isEmpty() ? "Only the reviewers of the groups that must approve can vote."
                    : "Only reviewers of " + listed(groups, maxGroups) + " can vote.";
            case REQUESTER -> "You asked for this, or it is done for you: other reviewers decide.";
            case MAY_NOT_VOTE -> reason == null || reason.isBlank() ? "You cannot vote on this approval." : reason;
        };
    }

    private static String listed(List<String> names, int max) {
        List<String> shown = names.stream().limit(max).toList();
        String joined = shown.size() == 1 ? shown.get(0)
                : String.join(", ", shown.subList(0, shown.size() - 1)) + (names.size() > max ? ", " : " or ") + shown.get(shown.size() - 1);
        return names.size() > max ? joined + " or " + (names.size() - max) + " more groups" : joined;
    }
}
