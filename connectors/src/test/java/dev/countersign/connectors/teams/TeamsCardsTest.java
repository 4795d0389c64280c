package dev.countersign.connectors.teams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ApprovalMessage.Status;
import dev.countersign.connectors.ReviewerChoice;
import dev.countersign.connectors.SampleApprovals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Teams card as Adaptive Card JSON: golden renders of an approval through its life and for a
 * viewer who may not vote, the buttons and their data, the refresh, and proof that no content,
 * however hostile, can format, mention or link, or push a card past its size. Run with
 * {@code -Dgolden.update=true} to rewrite the golden files after a deliberate change.
 */
class TeamsCardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final String OWN_LINK = "[Open in Countersign](";
    private static final String CAROL = "29:1carolAbC-dEf_0123456789";

    @TestFactory
    Stream<DynamicTest> cardsRenderAsTheGoldenFilesSay() {
        Map<String, Supplier<ObjectNode>> cases = new LinkedHashMap<>();
        cases.put("teams-card-pending", () -> TeamsCards.card(SampleApprovals.pending()));
        cases.put("teams-card-approved", () -> TeamsCards.card(SampleApprovals.approved()));
        cases.put("teams-card-denied", () -> TeamsCards.card(SampleApprovals.denied()));
        cases.put("teams-card-expired", () -> TeamsCards.card(SampleApprovals.expired()));
        cases.put("teams-card-redeemed", () -> TeamsCards.card(SampleApprovals.redeemed()));
        cases.put("teams-card-hostile", () -> TeamsCards.card(SampleApprovals.hostile()));
        cases.put("teams-card-viewer-without-buttons",
                () -> TeamsCards.card(SampleApprovals.pending(), Viewer.notAReviewer(List.of("data-governance")), List.of(CAROL)));
        return cases.entrySet().stream().map(c -> dynamicTest(c.getKey(), () -> golden(c.getKey(), c.getValue().get())));
    }

    @Test
    void aPendingCardHasApproveAndDenyAsUniversalActionsFallingBackToSubmitWithTheSameData() {
        ObjectNode card = TeamsCards.card(SampleApprovals.pending());
        assertEquals("AdaptiveCard", card.path("type").asText());
        assertEquals("1.5", card.path("version").asText());
        JsonNode approve = card.path("actions").get(0);
        JsonNode deny = card.path("actions").get(1);
        assertEquals(2, card.path("actions").size());
        for (JsonNode action : List.of(approve, deny)) {
            assertEquals("Action.Execute", action.path("type").asText());
            assertEquals(JSON.createObjectNode().put("approval_id", SampleApprovals.ID), action.path("data"));
            JsonNode fallback = action.path("fallback");
            assertEquals("Action.Submit", fallback.path("type").asText());
            assertEquals(JSON.createObjectNode().put("approval_id", SampleApprovals.ID).put("verb", action.path("verb").asText()),
                    fallback.path("data"));
            assertEquals(action.path("associatedInputs"), fallback.path("associatedInputs"));
        }
        assertEquals("approve", approve.path("verb").asText());
        assertEquals("none", approve.path("associatedInputs").asText(), "Approve must not send or require the reason");
        assertEquals("deny", deny.path("verb").asText());
        assertEquals("auto", deny.path("associatedInputs").asText(), "Deny sends the reason");
        JsonNode reason = element(card, "Input.Text");
        assertEquals("reason", reason.path("id").asText());
        assertEquals(TeamsCards.REASON_MAX, reason.path("maxLength").asInt());
        assertTrue(reason.path("isRequired").asBoolean());
        assertEquals(List.of(), AdaptiveCardRules.problems(card));
    }

    @Test
    void aDecidedCardHasNoActionsNoInputAndNoRefreshWhoeverViewsIt() {
        for (ApprovalMessage decided : List.of(SampleApprovals.approved(), SampleApprovals.denied(), SampleApprovals.expired(),
                SampleApprovals.redeemed())) {
            for (Viewer viewer : List.of(Viewer.anyone(), Viewer.reviewer(), Viewer.voted(ReviewerChoice.APPROVE))) {
                ObjectNode card = TeamsCards.card(decided, viewer, List.of(CAROL));
                assertFalse(card.has("actions"), decided.status() + " has actions for " + viewer.kind());
                assertFalse(card.has("refresh"), decided.status() + " refreshes");
                assertNull(element(card, "Input.Text"));
                assertEquals(List.of(), AdaptiveCardRules.problems(card));
            }
        }
        assertFalse(TeamsCards.notice(SampleApprovals.pending()).has("actions"), "a notice has no buttons");
        assertNull(element(TeamsCards.notice(SampleApprovals.pending()), "Input.Text"));
    }

    @Test
    void aViewerWhoMayNotVoteIsToldWhyInsteadOfButtons() {
        ApprovalMessage pending = SampleApprovals.pending();
        Map<Viewer, String> told = new LinkedHashMap<>();
        told.put(Viewer.voted(ReviewerChoice.APPROVE), "You approved this.");
        told.put(Viewer.voted(ReviewerChoice.DENY), "You denied this.");
        told.put(Viewer.notAReviewer(List.of("data-governance")), "Only reviewers of data\\-governance can vote.");
        told.put(Viewer.notAReviewer(List.of("data-governance", "security")), "Only reviewers of data\\-governance or security can vote.");
        told.put(Viewer.requester(), "You asked for this, or it is done for you: other reviewers decide.");
        told.put(Viewer.mayNotVote("Your vote was counted on another *card*"), "Your vote was counted on another \\*card\\*");
        told.forEach((viewer, note) -> {
            ObjectNode card = TeamsCards.card(pending, viewer);
            assertFalse(card.has("actions"), viewer.kind() + " got buttons");
            assertNull(element(card, "Input.Text"), viewer.kind() + " got the reason input");
            assertTrue(texts(card).contains(note), viewer.kind() + ": " + texts(card));
        });
        for (Viewer mayVote : List.of(Viewer.anyone(), Viewer.reviewer())) {
            assertEquals(2, TeamsCards.card(pending, mayVote).path("actions").size());
        }
        assertTrue(texts(TeamsCards.card(SampleApprovals.approved(), Viewer.voted(ReviewerChoice.APPROVE))).contains("You approved this."));
        assertFalse(texts(TeamsCards.card(SampleApprovals.approved(), Viewer.notAReviewer(List.of("x")))).contains("can vote"),
                "a decided card tells nobody they cannot vote");
    }

    @Test
    void aRefreshAsksForEachListedUsersOwnViewWhilePending() {
        ObjectNode card = TeamsCards.card(SampleApprovals.pending(), List.of(CAROL, "29:1dan"));
        JsonNode refresh = card.path("refresh");
        assertEquals("Action.Execute", refresh.path("action").path("type").asText());
        assertEquals("refresh", refresh.path("action").path("verb").asText());
        assertEquals(SampleApprovals.ID, refresh.path("action").path("data").path("approval_id").asText());
        assertEquals(List.of(CAROL, "29:1dan"), strings(refresh.path("userIds")));
        assertFalse(TeamsCards.card(SampleApprovals.pending(), List.of()).path("refresh").has("userIds"), "an empty list names no users");
        assertTrue(TeamsCards.card(SampleApprovals.pending(), List.of()).has("refresh"));
        assertFalse(TeamsCards.card(SampleApprovals.pending()).has("refresh"), "no refresh unless asked for");

        List<String> sixty = IntStream.range(0, 60).mapToObj(i -> "29:1user" + i).toList();
        assertEquals(60, TeamsCards.card(SampleApprovals.pending(), sixty).path("refresh").path("userIds").size());
        List<String> sixtyOne = IntStream.range(0, 61).mapToObj(i -> "29:1user" + i).toList();
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> TeamsCards.card(SampleApprovals.pending(), sixtyOne));
        assertTrue(tooMany.getMessage().contains("at most 60"), tooMany.getMessage());
        IllegalArgumentException aad = assertThrows(IllegalArgumentException.class,
                () -> TeamsCards.card(SampleApprovals.pending(), List.of("6b3f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b")));
        assertTrue(aad.getMessage().contains("not Entra object ids"), aad.getMessage());
    }

    @Test
    void aDecidedCardSaysWhoDecidedAndADeniedOneWhy() {
        String approved = texts(TeamsCards.card(SampleApprovals.approved()));
        assertTrue(approved.contains("**Approved** by dan@example.com {{DATE(2026-03-02T09:15:00Z, SHORT)}} {{TIME(2026-03-02T09:15:00Z)}}"), approved);
        String denied = texts(TeamsCards.card(SampleApprovals.denied()));
        assertTrue(denied.contains("**Denied** by dan@example.com"), denied);
        assertTrue(denied.contains("**Reason**: The board pack must use aggregated data, not raw PII.\n\nExport the summary table instead."), denied);
        String pending = texts(TeamsCards.card(SampleApprovals.pending()));
        assertTrue(pending.contains("**Pending** until {{DATE(2026-03-02T10:00:00Z, SHORT)}} {{TIME(2026-03-02T10:00:00Z)}}."
                + " Still needed: 1 from data\\-governance, 1 from security"), pending);
    }

    @Test
    void theHostileCardFitsAndFormatsMentionsAndLinksNothing() {
        ObjectNode card = TeamsCards.card(SampleApprovals.hostile());
        assertEquals(List.of(), AdaptiveCardRules.problems(card));
        assertTrue(TeamsCards.bytes(card) <= TeamsCards.MAX_CARD_BYTES, TeamsCards.bytes(card) + " bytes");
        assertInert(card);
        String all = texts(card);
        assertTrue(all.contains("more rules; the approval's record lists them all."), "200 rules are summarised");
        assertTrue(all.contains("more votes"), "300 votes are summarised");
        assertTrue(all.contains("more groups"), "300 groups are summarised");
        assertFalse(card.toString().contains("javascript"), "a javascript: link was made");
        assertEquals(2, card.path("actions").size(), "the hostile card still has its buttons");
    }

    /** Whatever strings a message holds, its card is valid, at most 24 KB, and formats, mentions and links nothing. */
    @TestFactory
    Stream<DynamicTest> randomHostileMessagesStayValidAndInert() {
        Random random = new Random(20260302);
        return Stream.generate(() -> randomMessage(random)).limit(150).map(m -> dynamicTest(m.status() + " " + m.rules().size() + " rules", () -> {
            for (ObjectNode card : List.of(TeamsCards.card(m), TeamsCards.notice(m), TeamsCards.card(m, Viewer.mayNotVote(s(random))))) {
                assertEquals(List.of(), AdaptiveCardRules.problems(card));
                assertTrue(TeamsCards.bytes(card) <= TeamsCards.MAX_CARD_BYTES, TeamsCards.bytes(card) + " bytes");
                assertInert(card);
            }
        }));
    }

    @Test
    void aMessageFarBeyondEveryLimitStillRendersUnder24Kilobytes() {
        String huge = "x*<".repeat(40_000);
        ApprovalMessage.Builder b = ApprovalMessage.builder("apr_" + "9".repeat(150), Status.PENDING).requester(huge, huge, huge, huge)
                .action(huge, huge, huge).resource(huge, huge, huge, huge, huge).target(huge, huge).lineage(huge, huge, List.of(huge, huge))
                .decided(Instant.EPOCH, huge).link("https://x.example/" + "a".repeat(1900));
        for (int i = 0; i < 1000; i++) {
            b.rule(huge, huge, huge, huge, huge).group(huge, 5, 1).vote(huge, ReviewerChoice.DENY, huge, Instant.EPOCH, huge);
        }
        ObjectNode card = TeamsCards.card(b.build(), List.of(CAROL));
        assertTrue(TeamsCards.bytes(card) <= TeamsCards.MAX_CARD_BYTES, TeamsCards.bytes(card) + " bytes");
        assertEquals(List.of(), AdaptiveCardRules.problems(card));
        assertEquals(2, card.path("actions").size(), "even the barest pending card can be voted on");
        assertTrue(card.has("refresh"));
    }

    @Test
    void aMessageWithNothingButAStatusRendersACardWithoutButtons() {
        ObjectNode card = TeamsCards.card(new ApprovalMessage(null, Status.PENDING, null, null, null, null, null, null, null, null, null, null,
                null, null, null), List.of(CAROL));
        assertEquals(List.of(), AdaptiveCardRules.problems(card));
        assertFalse(card.has("actions"), "no buttons without an approval id to carry");
        assertFalse(card.has("refresh"));
    }

    @Test
    void theAttachmentNamesTheAdaptiveCardContentType() {
        ObjectNode card = TeamsCards.card(SampleApprovals.pending());
        ObjectNode attachment = TeamsCards.attachment(card);
        assertEquals("application/vnd.microsoft.card.adaptive", attachment.path("contentType").asText());
        assertEquals(card, attachment.path("content"));
        assertEquals("Approval needed: agent:etl-bot asks to data.export on prod.customers (production)", TeamsCards.summary(SampleApprovals.pending()));
    }

    /**
     * Nothing in the card's text but its own formatting: every Markdown character and every {@code <}
     * of caller text is escaped, no URL scheme is left to link, no invisible character remains, and
     * the only link is the approval's own.
     */
    static void assertInert(ObjectNode card) {
        String all = texts(card);
        String unescaped = all.replaceAll("\\\\.", "");
        assertFalse(unescaped.contains("<"), "an unescaped < remains");
        assertFalse(unescaped.matches("(?s).*\\[(?!Open in Countersign\\]\\().*"), "an unescaped [ other than the approval's link remains");
        assertFalse(unescaped.contains("`"), "an unescaped ` remains");
        assertFalse(unescaped.contains("~"), "an unescaped ~ remains");
        assertFalse(unescaped.contains("#"), "an unescaped # remains");
        String withoutOwnLink = all.replaceAll("\\[Open in Countersign\\]\\(https?://[^)\\s]+\\)", "");
        assertFalse(withoutOwnLink.matches("(?s).*(?i)(https?|ftps?|file|sftp|ssh|telnet|mailto|tel|sip|callto):.*"), "a URL scheme is left to link");
        assertFalse(withoutOwnLink.toLowerCase().contains("www."), () -> "a www. is left to link: " + withoutOwnLink.substring(Math.max(0, withoutOwnLink.toLowerCase().indexOf("www.") - 80), withoutOwnLink.toLowerCase().indexOf("www.") + 20));
        assertFalse(all.chars().anyMatch(c -> c == 0x202E || c == 0x200B || c == 0xFEFF || (c < 0x20 && c != '\n')),
                "an invisible or control character remains");
    }

    /** Every text, fact title and value, note and fallback of the card, joined by newlines. */
    static String texts(JsonNode card) {
        StringBuilder out = new StringBuilder(card.path("fallbackText").asText("")).append('\n');
        for (JsonNode e : card.path("body")) {
            out.append(e.path("text").asText("")).append('\n');
            for (JsonNode f : e.path("facts")) {
                out.append(f.path("title").asText()).append('\n').append(f.path("value").asText()).append('\n');
            }
        }
        try {
            JSON.writeValueAsBytes(card);
        } catch (IOException e) {
            throw new AssertionError("the card cannot be encoded", e);
        }
        return out.toString();
    }

    private static JsonNode element(JsonNode card, String type) {
        for (JsonNode e : card.path("body")) {
            if (type.equals(e.path("type").asText())) {
                return e;
            }
        }
        return null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static ApprovalMessage randomMessage(Random r) {
        Status status = Status.values()[r.nextInt(Status.values().length)];
        ApprovalMessage.Builder b = ApprovalMessage.builder(r.nextInt(10) == 0 ? null : "apr_" + r.nextInt(1_000_000), status)
                .requester(s(r), s(r), s(r), s(r)).action(s(r), s(r), s(r)).resource(s(r), s(r), s(r), s(r), s(r)).target(s(r), s(r))
                .lineage(s(r), s(r), list(r)).expiresAt(r.nextBoolean() ? Instant.ofEpochSecond(r.nextInt(2_000_000_000)) : null)
                .decided(r.nextBoolean() ? Instant.ofEpochSecond(r.nextInt(2_000_000_000)) : null, s(r))
                .redeemedAt(r.nextBoolean() ? Instant.now() : null).link(r.nextBoolean() ? "https://x.example/" + s(r) : s(r));
        for (int i = r.nextInt(4) == 0 ? r.nextInt(60) : r.nextInt(3); i > 0; i--) {
            b.rule(s(r), s(r), s(r), s(r), s(r));
        }
        for (int i = r.nextInt(4) == 0 ? r.nextInt(100) : r.nextInt(3); i > 0; i--) {
            b.group(s(r), r.nextInt(5), r.nextInt(5));
        }
        for (int i = r.nextInt(4) == 0 ? r.nextInt(200) : r.nextInt(4); i > 0; i--) {
            b.vote(s(r), r.nextBoolean() ? ReviewerChoice.APPROVE : r.nextBoolean() ? ReviewerChoice.DENY : null, s(r),
                    r.nextBoolean() ? Instant.ofEpochSecond(r.nextInt(2_000_000_000)) : null, s(r));
        }
        return b.build();
    }

    /** A random string: null, empty, or up to 12,000 characters drawn from Markdown, mentions, links, controls and text. */
    private static String s(Random r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return null;
        }
        if (kind == 1) {
            return "";
        }
        String[] pieces = {"<", ">", "&", "`", "*", "_", "~", "#", "-", "+", "1.", "[", "]", "(", ")", "\\", "!", "|", "\n", "\r", "\t",
                "\u0000", "\u202E", "\u200B", "\uD83D\uDE00", "\uD800", "\uDC00", "<at>Carol</at>", "[x](https://evil.example)",
                "https://evil.example/a", "HTTP://x", "www.evil.example", "mailto:a@b.c", "{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "a", "word ",
                "é", "日本"};
        int length = kind == 2 ? 3_000 + r.nextInt(9_000) : r.nextInt(60);
        StringBuilder s = new StringBuilder();
        while (s.length() < length) {
            s.append(pieces[r.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    private static List<String> list(Random r) {
        List<String> items = new ArrayList<>();
        for (int i = r.nextInt(4) == 0 ? r.nextInt(80) : r.nextInt(3); i > 0; i--) {
            items.add(s(r));
        }
        return items;
    }

    static void golden(String name, JsonNode rendered) throws IOException {
        String actual = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rendered).replace("\r\n", "\n") + "\n";
        Path file = GOLDEN.resolve(name + ".json");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(file), "no golden file " + file + "; run with -Dgolden.update=true to write it, then read it");
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, name + " differs from its golden file");
        assertNotNull(rendered);
    }
}
