package dev.countersign.connectors.teams;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Caller-supplied strings made safe for Teams and cut to a length.
 *
 * <p><b>Card text.</b> An Adaptive Card's {@code TextBlock} and its facts' titles and values are read
 * as a subset of Markdown (emphasis, lists, headings, links), and Teams makes links of what looks like
 * a URL. So every Markdown character ({@code \ * _ [ ] ( ) # - ` > ~ < + ! | &}) is escaped with a
 * backslash ({@code &} so that no entity a caller wrote is decoded), as is the {@code .} of a line
 * that would start a numbered list; the scheme of a URL is defanged ({@code https://x} shows as
 * {@code https[:]//x}, {@code www.x} as {@code www[.]x}, {@code mailto:} as {@code mailto[:]}), so no
 * caller text becomes a link, hidden or not. A {@code <} is escaped too: {@code <at>} mentions only
 * work with {@code msteams.entities}, which cards never carry, and no markup reaches a renderer. Line
 * breaks are kept as paragraph breaks ({@code TextBlock} Markdown ignores a single one) where the
 * text has lines, and are a space elsewhere. A bare domain name ({@code evil.example}) may still be
 * shown as a link by some clients; its target is then the text shown, never a hidden one.
 *
 * <p><b>Message text.</b> Replies are sent with {@code textFormat: xml} (Teams' HTML subset), in which
 * only markup is interpreted, not Markdown: {@code &}, {@code <} and {@code >} become entities, line
 * breaks {@code <br>}, and URLs are defanged as above. With {@code <} escaped no caller text can
 * open an {@code <at>} mention or a link.
 *
 * <p>For both, control characters become a space, bidirectional overrides and invisible characters
 * go (they can disguise what a reviewer reads), a lone surrogate becomes U+FFFD (it is not
 * encodable). Lengths are counted in UTF-16 units of the clean text before escaping; a cut ends in
 * {@code …} and never splits a surrogate pair or an escape.
 */
final class AdaptiveText {
    static final String ELLIPSIS = "…";
    private static final Pattern LINKABLE = Pattern.compile("(?i)(https?|ftps?|file|sftp|ssh|telnet)://|(mailto|tel|sip|callto):|www\\.");
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private AdaptiveText() {
    }

    /** {@code s} cleaned, cut to {@code max} and escaped for card Markdown, on one line; null stays null. */
    static String line(String s, int max) {
        return s == null ? null : markdown(fit(defang(clean(s, false)), max));
    }

    /** {@code s} cleaned, cut to {@code max} and escaped for card Markdown, its lines kept as paragraphs; null stays null. */
    static String lines(String s, int max) {
        return s == null ? null : markdown(fit(defang(clean(s, true)), max)).replace("\n", "\n\n");
    }

    /** {@code s} cleaned, cut to {@code max}, on one line, not escaped: for plain-text properties (titles, placeholders). */
    static String plain(String s, int max) {
        return s == null ? null : fit(clean(s, false), max);
    }

    /** {@code s} cleaned, cut to {@code max} and escaped for a message in Teams' HTML subset, line breaks kept. */
    static String xml(String s, int max) {
        String text = fit(defang(clean(s == null ? "" : s, true)), max);
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\n' -> out.append("<br>");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * An instant as the card's own date and time functions, which each reader sees in their own time
     * zone: {@code {{DATE(2026-03-02T10:00:00Z, SHORT)}} {{TIME(2026-03-02T10:00:00Z)}}}. For
     * {@code TextBlock}s only (facts show {@link #utc}).
     */
    static String date(Instant at) {
        String s = at.truncatedTo(ChronoUnit.SECONDS).toString();
        return "{{DATE(" + s + ", SHORT)}} {{TIME(" + s + ")}}";
    }

    /** An instant as text, in UTC: {@code 2026-03-02 10:00 UTC}. */
    static String utc(Instant at) {
        return UTC.format(at);
    }

    /**
     * A Markdown link {@code [label](url)} when {@code url} is an absolute http(s) URL of printable
     * ASCII without the characters that could end or bend the link ({@code ( ) [ ] < > \} spaces and
     * quotes), else null. {@code label} is ours, not escaped.
     */
    static String link(String url, String label) {
        if (url == null || url.length() > 2000 || !(url.startsWith("https://") || url.startsWith("http://"))
                || !url.chars().allMatch(c -> c > 0x20 && c < 0x7F && "()[]<>\\\"'`".indexOf(c) < 0)) {
            return null;
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || uri.getRawUserInfo() != null) {
                return null;
            }
        } catch (Exception e) {
            return null;
        }
        return "[" + label + "](" + url + ")";
    }

    /** Clean {@code text} cut to at most {@code max} UTF-16 units, ending in … when cut. */
    static String fit(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Math.max(0, max - ELLIPSIS.length());
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + ELLIPSIS;
    }

    /** {@code s} without controls, invisible characters and lone surrogates; line breaks as {@code \n} or, unless kept, a space. */
    static String clean(String s, boolean keepLineBreaks) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else if (c == '\r') {
                if (i + 1 >= s.length() || s.charAt(i + 1) != '\n') {
                    out.append(keepLineBreaks ? '\n' : ' ');
                }
            } else if (c == '\n') {
                out.append(keepLineBreaks ? '\n' : ' ');
            } else if (invisible(c)) {
                // dropped: it would disguise the text around it
            } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** URL schemes and {@code www.} broken so that no client makes a link of them. */
    static String defang(String s) {
        Matcher m = LINKABLE.matcher(s);
        if (!m.find()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        int last = 0;
        do {
            out.append(s, last, m.start());
            String found = m.group();
            if (found.endsWith("://")) {
                out.append(found, 0, found.length() - 3).append("[:]//");
            } else if (found.endsWith(":")) {
                out.append(found, 0, found.length() - 1).append("[:]");
            } else {
                out.append(found, 0, found.length() - 1).append("[.]");
            }
            last = m.end();
        } while (m.find());
        return out.append(s.substring(last)).toString();
    }

    /** Clean text with every Markdown character escaped. */
    private static String markdown(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        boolean lineStart = true;
        boolean digitsOnly = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\\*_[]()#-`>~<+!|&".indexOf(c) >= 0) {
                out.append('\\').append(c);
            } else if (c == '.' && digitsOnly) {
                out.append('\\').append(c);   // "1." at a line's start would open a numbered list
            } else {
                out.append(c);
            }
            if (c == '\n') {
                lineStart = true;
                digitsOnly = false;
            } else if (Character.isDigit(c) && (lineStart || digitsOnly)) {
                digitsOnly = true;
                lineStart = false;
            } else if (c == ' ' && lineStart) {
                lineStart = true;   // leading spaces: a list can still start after them
            } else {
                lineStart = false;
                digitsOnly = false;
            }
        }
        return out.toString();
    }

    /** Bidirectional controls and zero-width characters. */
    private static boolean invisible(char c) {
        return c == '\u061C' || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u200E' || c == '\u200F'
                || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\uFEFF' || c == '\u00AD'
                || c == '\u2060' || c == '\u180E';
    }
}
