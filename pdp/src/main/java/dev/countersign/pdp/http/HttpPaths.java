package dev.countersign.pdp.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * One spelling per path, the one the common servers (Tomcat, Jetty, Spring) route by, so that a rule
 * about {@code /admin/} cannot be dodged with {@code /%61dmin/}, {@code //admin/}, {@code /x/../admin/},
 * {@code /admin;/} or {@code /x/..;/admin/}. In order:
 * <ol>
 * <li>a path holding something servers disagree on is refused: an encoded slash {@code %2F}, a
 *     backslash ({@code \} or {@code %5C}), an encoded NUL {@code %00}, an encoded semicolon
 *     {@code %3B};</li>
 * <li>an absolute URI ({@code http://host/path}) stands for its path; any other path must start with
 *     {@code /};</li>
 * <li>path parameters are removed from each segment: {@code ;} and what follows it up to the next
 *     {@code /} ({@code /admin;jsessionid=1/users} and {@code /admin;/users} are {@code /admin/users});</li>
 * <li>percent-escapes of unreserved characters are decoded and the others upper-cased
 *     (RFC 3986 §6.2.2): {@code /%61dmin} is {@code /admin}, {@code /caf%c3%a9} is {@code /caf%C3%A9};</li>
 * <li>empty segments collapse ({@code //admin} is {@code /admin}) and dot segments are removed
 *     ({@code .} and {@code ..}, also when spelt {@code %2e} or followed by parameters, as
 *     {@code ..;}); {@code ..} never climbs above the root.</li>
 * </ol>
 * A trailing slash is kept ({@code /admin/} stays {@code /admin/}); a path ending in a dot segment
 * has none ({@code /admin/.} is {@code /admin}).
 */
final class HttpPaths {
    private HttpPaths() {
    }

    /** A path that is refused rather than given a spelling: the message says what it holds and why. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The one spelling of {@code raw} (a path without its query), or {@link Refused}. */
    static String normalize(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        refuseAmbiguous(raw);
        String path = withoutSchemeAndAuthority(raw);
        if (!path.startsWith("/")) {
            throw new Refused("the original path \"" + raw + "\" does not start with /");
        }
        Deque<String> segments = new ArrayDeque<>();
        boolean trailing = false;
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = decodeUnreserved(withoutParameters(path, start, end));
            trailing = end == path.length() && segment.isEmpty();
            if (segment.equals("..")) {
                segments.pollLast();
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.addLast(segment);
            }
            start = end + 1;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String segment : segments) {
            out.append('/').append(segment);
        }
        if (out.length() == 0 || trailing) {
            out.append('/');
        }
        return out.toString();
    }

    private static void refuseAmbiguous(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\') {
                throw new Refused("the original path holds a backslash (\\), which some servers read as a slash and others"
                        + " do not; the gateway refuses it");
            }
            if (c == '%' && i + 2 < raw.length()) {
                String why = switch (raw.substring(i + 1, i + 3).toUpperCase(Locale.ROOT)) {
                    case "2F" -> "an encoded slash (%2F), which servers disagree on (one segment or two)";
                    case "5C" -> "an encoded backslash (%5C), which some servers read as a slash and others do not";
                    case "00" -> "an encoded NUL (%00), at which some servers end the path";
                    case "3B" -> "an encoded semicolon (%3B), which some servers take for the start of path parameters"
                            + " once decoded and others keep";
                    default -> null;
                };
                if (why != null) {
                    throw new Refused("the original path holds " + why + "; the gateway refuses it");
                }
            }
        }
    }

    /** The path of an absolute URI ({@code http://host:port/path} is {@code /path}); {@code raw} itself otherwise. */
    private static String withoutSchemeAndAuthority(String raw) {
        int colon = raw.indexOf("://");
        if (colon <= 0 || raw.charAt(0) == '/') {
            return raw;
        }
        String scheme = raw.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return raw;
        }
        int path = raw.indexOf('/', colon + 3);
        return path < 0 ? "/" : raw.substring(path);
    }

    /** The segment between {@code start} and {@code end}, without its path parameters ({@code ;…}). */
    private static String withoutParameters(String path, int start, int end) {
        for (int i = start; i < end; i++) {
            if (path.charAt(i) == ';') {
                return path.substring(start, i);
            }
        }
        return path.substring(start, end);
    }

    private static String decodeUnreserved(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
                int value = Integer.parseInt(raw, i + 1, i + 3, 16);
                char ch = (char) value;
                if (value < 128 && Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
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
