package dev.countersign.connectors.slack;

import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Caller-supplied strings made safe for Slack's mrkdwn and fitted to Block Kit's limits.
 *
 * <p>Slack parses {@code <…>} in text as mentions ({@code <@U…>}, {@code <!channel>},
 * {@code <!subteam^…>}), links ({@code <http://evil|click>}) and dates, and asks that exactly
 * {@code &}, {@code <} and {@code >} be escaped as {@code &amp;}, {@code &lt;}, {@code &gt;};
 * with those escaped no caller string can mention, notify or link anyone. A code span or block
 * cannot escape a backtick, so a backtick becomes {@code ˋ} (U+02CB) everywhere, and nothing a
 * caller writes can close a code block we opened. Control characters, bidirectional overrides and
 * invisible characters become a space or go (they can disguise what a reviewer reads), and a lone
 * surrogate becomes U+FFFD (it is not encodable, and would fail the post).
 *
 * <p>Lengths are counted in UTF-16 units, which is never fewer than Slack's characters. A cut
 * ends in {@code …} and never splits an escape or a surrogate pair.
 */
final class Mrkdwn {
    static final String ELLIPSIS = "…";

    private Mrkdwn() {
    }

    /** {@code s} on one line, escaped; null stays null. */
    static String line(String s) {
        return s == null ? null : escape(s, false);
    }

    /** {@code s} with its line breaks, escaped; null stays null. */
    static String lines(String s) {
        return s == null ? null : escape(s, true);
    }

    /** {@code s} as an inline code span of at most {@code max} characters (no links, no formatting inside). */
    static String code(String s, int max) {
        return "`" + fit(line(s.isEmpty() ? " " : s), max - 2) + "`";
    }

    /** {@code s} as a code block of at most {@code max} characters, its line breaks kept. */
    static String codeBlock(String s, int max) {
        return "```" + fit(lines(s.isEmpty() ? " " : s), max - 6) + "```";
    }

    /** Escaped {@code text} cut to at most {@code max} characters, ending in … when cut. */
    static String fit(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Math.max(0, max - ELLIPSIS.length());
        int amp = text.lastIndexOf('&', end - 1);
        if (amp >= 0 && amp >= end - 4 && text.indexOf(';', amp) >= end) {
            end = amp;   // do not split &amp; &lt; &gt;
        }
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + ELLIPSIS;
    }

    /**
     * A Slack date token: each reader sees {@code at} in their own time zone, and clients that cannot
     * render it show the UTC instant: {@code <!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>}.
     */
    static String date(Instant at) {
        Instant s = at.truncatedTo(ChronoUnit.SECONDS);
        return "<!date^" + s.getEpochSecond() + "^{date_short_pretty} {time}|" + s + ">";
    }

    /**
     * A link {@code <url|label>} when {@code url} is an absolute http(s) URL of printable ASCII (so
     * nothing invisible rides in it; other characters must be percent-encoded) that Slack can carry
     * unchanged, else null.
     */
    static String link(String url, String label) {
        if (url == null || url.length() > 2000 || !(url.startsWith("https://") || url.startsWith("http://"))
                || !url.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            return null;
        }
        try {
            URI uri = new URI(url);   // refuses spaces, <, >, |, quotes and controls
            if (uri.getHost() == null || uri.getRawUserInfo() != null) {
                return null;
            }
        } catch (Exception e) {
            return null;
        }
        return "<" + url.replace("&", "&amp;") + "|" + line(label) + ">";
    }

    private static String escape(String s, boolean keepLineBreaks) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
                continue;
            }
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '`' -> out.append('ˋ');
                case '\n' -> out.append(keepLineBreaks ? "\n" : " ");
                case '\r' -> {
                    if (!keepLineBreaks) {
                        out.append(' ');
                    } else if (i + 1 >= s.length() || s.charAt(i + 1) != '\n') {
                        out.append('\n');
                    }
                }
                default -> {
                    if (Character.isSurrogate(c)) {
                        out.append('\uFFFD');
                    } else if (invisible(c)) {
                        // dropped: it would disguise the text around it
                    } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(' ');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Bidirectional controls and zero-width characters. */
    private static boolean invisible(char c) {
        return c == '\u061C' || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u200E' || c == '\u200F'
                || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\uFEFF';
    }
}
