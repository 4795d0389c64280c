package dev.countersign.connectors.teams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Caller text as the card's Markdown and a message's HTML subset get it: escaped, defanged, cleaned, cut. */
class AdaptiveTextTest {
    @TestFactory
    Stream<DynamicTest> cardTextIsEscapedAndDefanged() {
        return Stream.of(
                new String[] {"*bold* _it_ ~strike~", "\\*bold\\* \\_it\\_ \\~strike\\~"},
                new String[] {"[click](https://evil.example)", "\\[click\\]\\(https\\[:\\]//evil.example\\)"},
                new String[] {"# heading", "\\# heading"},
                new String[] {"- item", "\\- item"},
                new String[] {"+ item", "\\+ item"},
                new String[] {"1. first", "1\\. first"},
                new String[] {"  12. indented", "  12\\. indented"},
                new String[] {"version 1.5", "version 1.5"},
                new String[] {"> quote", "\\> quote"},
                new String[] {"`code` \\ back", "\\`code\\` \\\\ back"},
                new String[] {"<at>Carol</at>", "\\<at\\>Carol\\</at\\>"},
                new String[] {"![img](x)", "\\!\\[img\\]\\(x\\)"},
                new String[] {"a | b", "a \\| b"},
                new String[] {"&lt;at&gt;", "\\&lt;at\\&gt;"},
                new String[] {"see www.evil.example or HTTP://x.y or mailto:a@b.c", "see www\\[.\\]evil.example or HTTP\\[:\\]//x.y or mailto\\[:\\]a@b.c"},
                new String[] {"{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "{{DATE\\(2017\\-02\\-14T06:08:39Z, SHORT\\)}}"},
                new String[] {"right\u202Eleft\u200B", "rightleft"},
                new String[] {"tab\there\u0000", "tab here "},
                new String[] {"lone \uD800 surrogate", "lone \uFFFD surrogate"},
                new String[] {"two\nlines", "two lines"}
        ).map(c -> dynamicTest(c[0], () -> assertEquals(c[1], AdaptiveText.line(c[0], 1000))));
    }

    @Test
    void linesBecomeParagraphsAndEachLineIsCheckedForAList() {
        assertEquals("one\n\n1\\. two\n\n\\- three", AdaptiveText.lines("one\r\n1. two\r- three", 1000));
    }

    @Test
    void aCutEndsInAnEllipsisBeforeEscapingAndNeverSplitsAPair() {
        assertEquals("abcd…", AdaptiveText.line("abcdefgh", 5));
        assertEquals("\\*\\*\\*\\*…", AdaptiveText.line("********", 5));
        assertEquals("abc…", AdaptiveText.line("abc\uD83D\uDE00def", 5));
        assertEquals("ab\uD83D\uDE00", AdaptiveText.line("ab\uD83D\uDE00", 4));
    }

    @Test
    void messageTextIsHtmlEscapedWithLineBreaksAndDefangedUrls() {
        assertEquals("&lt;at&gt;Dan&lt;/at&gt; &amp; &quot;x&quot;<br>*kept* https[:]//evil", AdaptiveText.xml("<at>Dan</at> & \"x\"\n*kept* https://evil", 1000));
        assertEquals("", AdaptiveText.xml(null, 10));
    }

    @Test
    void datesAreTheCardsOwnFunctionsOrUtcText() {
        Instant at = Instant.parse("2026-03-02T10:00:00.789Z");
        assertEquals("{{DATE(2026-03-02T10:00:00Z, SHORT)}} {{TIME(2026-03-02T10:00:00Z)}}", AdaptiveText.date(at));
        assertEquals("2026-03-02 10:00 UTC", AdaptiveText.utc(at));
    }

    @Test
    void onlyAPlainHttpUrlBecomesTheLink() {
        assertEquals("[Open](https://x.example/a?b=1&c=2)", AdaptiveText.link("https://x.example/a?b=1&c=2", "Open"));
        assertEquals(null, AdaptiveText.link("javascript:alert(1)", "Open"));
        assertEquals(null, AdaptiveText.link("https://x.example/a)(b", "Open"));
        assertEquals(null, AdaptiveText.link("https://x.example/a b", "Open"));
        assertEquals(null, AdaptiveText.link("https://u:p@x.example/", "Open"));
        assertEquals(null, AdaptiveText.link("https://x.example/\u00e9", "Open"));
    }
}
