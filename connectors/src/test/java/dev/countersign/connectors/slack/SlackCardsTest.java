package dev.countersign.connectors.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The card as Block Kit JSON: golden renders of an approval through its life, and proof that no
 * content, however hostile, can mention, link, break out of code, or push a card past a limit.
 * Run with {@code -Dgolden.update=true} to rewrite the golden files after a deliberate change.
 */
class SlackCardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    /** The tokens the card itself writes: date tokens and the approval's link. */
    private static final Pattern OWN_TOKENS = Pattern.compile(
            "<!date\\^[0-9]+\\^\\{date_short_pretty\\} \\{time\\}\\|[0-9T:\\-]+Z>|<https?://[\\x21-\\x7E&&[^<>|]]+\\|Open in Countersign>");

    @TestFactory
    Stream<DynamicTest> cardsRenderAsTheGoldenFilesSay() {
        Map<String, Supplier<ApprovalMessage>> cases = new java.util.LinkedHashMap<>();
        cases.put("slack-card-pending", SampleApprovals::pending);
        cases.put("slack-card-approved", SampleApprovals::approved);
        cases.put("slack-card-denied", SampleApprovals::denied);
        cases.put("slack-card-expired", SampleApprovals::expired);
        cases.put("slack-card-redeemed", SampleApprovals::redeemed);
        cases.put("slack-card-hostile", SampleApprovals::hostile);
        return cases.entrySet().stream().map(c -> dynamicTest(c.getKey(), () -> golden(c.getKey(), SlackCards.card(c.getValue().get()))));
    }

    @Test
    void theDenyModalRendersAsItsGoldenFile() throws IOException {
        Click click = new Click(SampleApprovals.ID, ReviewerChoice.DENY, "U0DAN", "dan", FakeSlack.TEAM_ID, "t", null, "C0SECURITY",
                "1767000000.000100");
        golden("slack-deny-modal", SlackViews.denyReason(click));
    }

    @Test
    void onlyAPendingCardHasButtonsAndTheyCarryTheApprovalId() {
        JsonNode actions = block(SlackCards.card(SampleApprovals.pending()), "actions");
        assertEquals("approve", actions.path("elements").get(0).path("action_id").asText());
        assertEquals("primary", actions.path("elements").get(0).path("style").asText());
        assertEquals(SampleApprovals.ID, actions.path("elements").get(0).path("value").asText());
        JsonNode deny = actions.path("elements").get(1);
        assertEquals("deny", deny.path("action_id").asText());
        assertEquals("danger", deny.path("style").asText());
        assertEquals(SampleApprovals.ID, deny.path("value").asText());
        assertTrue(deny.has("confirm"), "Deny asks for confirmation");

        for (ApprovalMessage decided : List.of(SampleApprovals.approved(), SampleApprovals.denied(), SampleApprovals.expired(),
                SampleApprovals.redeemed())) {
            assertNull(block(SlackCards.card(decided), "actions"), decided.status() + " still has buttons");
        }
        assertNull(block(SlackCards.notice(SampleApprovals.pending()), "actions"), "a notice has no buttons");
    }

    @Test
    void aDecidedCardSaysWhoDecidedAndADeniedOneWhy() {
        String approved = SlackCards.card(SampleApprovals.approved()).toString();
        assertTrue(approved.contains("*Approved* by `dan@example.com` <!date^" + SampleApprovals.CREATED.plusSeconds(900).getEpochSecond()), approved);
        String denied = SlackCards.card(SampleApprovals.denied()).toString();
        assertTrue(denied.contains("*Denied* by `dan@example.com`"), denied);
        assertTrue(denied.contains(">The board pack must use aggregated data, not raw PII.\\n>Export the summary table instead."), denied);
    }

    @Test
    void theExpiryIsASlackDateTokenWithTheUtcInstantAsFallback() {
        assertEquals("<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>", Mrkdwn.date(Instant.ofEpochSecond(1700000000)));
        assertTrue(SlackCards.card(SampleApprovals.pending()).toString()
                .contains("*Pending* until <!date^" + SampleApprovals.EXPIRES.getEpochSecond() + "^{date_short_pretty} {time}|2026-03-02T10:00:00Z>"));
    }

    @Test
    void theHostileCardIsWithinEveryLimitAndMentionsLinksAndCodesNothing() {
        ObjectNode card = SlackCards.card(SampleApprovals.hostile());
        assertEquals(List.of(), BlockKitRules.message(card.path("blocks")));
        String all = card.toString();
        String withoutOwnTokens = OWN_TOKENS.matcher(all).replaceAll("");
        assertFalse(withoutOwnTokens.contains("<"), "an unescaped < remains");
        assertFalse(withoutOwnTokens.replace("\\n>", "").contains(">"), "an unescaped > remains (other than a quote's)");
        assertFalse(all.contains("\u202E"), "a right-to-left override remains");
        assertFalse(all.contains("javascript:alert(1)|"), "a javascript: link was made");
        for (JsonNode block : card.path("blocks")) {
            String text = block.path("text").path("text").asText("");
            if (text.contains("```")) {
                assertEquals(2, text.split("```", -1).length - 1, "a code block was broken out of: " + text.substring(0, 80));
            }
        }
        assertTrue(all.contains("…and 190 more rules"), "200 rules are summarised");
        assertTrue(all.contains("more votes"), "300 votes are summarised");
        assertTrue(all.contains("more groups"), "300 groups are summarised");
        assertTrue(card.path("text").asText().length() <= 300);
    }

    /** Whatever strings a message holds, its card is within Block Kit's limits and mentions no one. */
    @TestFactory
    Stream<DynamicTest> randomHostileMessagesStayWithinLimits() {
        Random random = new Random(20260302);
        return Stream.generate(() -> randomMessage(random)).limit(150).map(m -> dynamicTest(m.status() + " " + m.rules().size() + " rules", () -> {
            for (ObjectNode card : List.of(SlackCards.card(m), SlackCards.notice(m))) {
                assertEquals(List.of(), BlockKitRules.message(card.path("blocks")));
                String rest = OWN_TOKENS.matcher(card.toString()).replaceAll("");
                assertFalse(rest.contains("<"), rest);
                JSON.writeValueAsBytes(card);   // never fails to encode (lone surrogates)
            }
        }));
    }

    @Test
    void aMessageWithNothingButAStatusRendersACard() {
        ObjectNode card = SlackCards.card(new ApprovalMessage(null, Status.PENDING, null, null, null, null, null, null, null, null, null, null,
                null, null, null));
        assertEquals(List.of(), BlockKitRules.message(card.path("blocks")));
        assertNull(block(card, "actions"), "no buttons without an approval id to carry");
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

    /** A random string: null, empty, or up to 12,000 characters drawn from markup, controls, surrogates and text. */
    private static String s(Random r) {
        int kind = r.nextInt(10);
        if (kind == 0) {
            return null;
        }
        if (kind == 1) {
            return "";
        }
        String[] pieces = {"<", ">", "&", "`", "```", "*", "_", "~", "\n", "\r", "\t", "\u0000", "\u202E", "\u200B", "\uD83D\uDE00",
                "\uD800", "\uDC00", "<!channel>", "<@U123>", "<http://evil|x>", "&amp;", "|", "^", "a", "word ", "é", "日本"};
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

    private static JsonNode block(ObjectNode card, String type) {
        for (JsonNode b : card.path("blocks")) {
            if (type.equals(b.path("type").asText())) {
                return b;
            }
        }
        return null;
    }

    private static void golden(String name, JsonNode rendered) throws IOException {
        String actual = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rendered).replace("\r\n", "\n") + "\n";
        Path file = GOLDEN.resolve(name + ".json");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(file), "no golden file " + file + "; run with -Dgolden.update=true to write it, then read it");
        assertEquals(Files.readString(file, StandardCharsets.UTF_8), actual, name + " differs from its golden file");
    }
}
