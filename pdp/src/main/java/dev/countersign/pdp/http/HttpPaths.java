package dev.countersign.pdp.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * One spelling per path, so that a rule about {@code /admin} cannot be dodged with
 * {@code /%61dmin}, {@code //admin} or {@code /x/../admin}: percent-escapes of unreserved characters
 * are decoded and the others upper-cased (RFC 3986 §6.2.2), runs of slashes collapse, and dot
 * segments are removed. A trailing slash is kept; {@code %2F} stays escaped, so it never splits a
 * segment.
 */
final class HttpPaths {
    private HttpPaths() {
    }

    static String normalize(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        String decoded = decodeUnreserved(raw);
        boolean trailing = decoded.endsWith("/");
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : decoded.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        StringBuilder out = new StringBuilder();
        for (String segment : segments) {
            out.append('/').append(segment);
        }
        if (out.length() == 0 || trailing) {
            out.append('/');
        }
        return out.toString();
    }

    private static String decodeUnreserved(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
                int value = Integer.parseInt(raw.substring(i + 1, i + 3), 16);
                char ch = (char) value;
                if (Character.isLetterOrDigit(ch) && value < 128 || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
                    out.append(ch);
                } else {
                    out.append('%').append(raw.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
