package dev.countersign.connectors.teams;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Teams' ids as this connector accepts them.
 * <ul>
 *   <li>A conversation: a channel or group chat {@code 19:…@thread.tacv2} ({@code @thread.skype},
 *       {@code @thread.v2}), one thread of a channel {@code 19:…@thread.tacv2;messageid=1616…}, a
 *       personal chat with the bot {@code a:…}.</li>
 *   <li>A channel: {@code 19:…@thread.tacv2} or {@code @thread.skype}, without a thread.</li>
 *   <li>A user: the Bot Framework id {@code 29:…} (an activity's {@code from.id}), or, to mention or
 *       notify, the Entra (AAD) object id, a GUID.</li>
 * </ul>
 * Names ({@code general}, {@code #security}) are not ids: the Bot Connector addresses only by id.
 */
final class TeamsIds {
    private static final String ID_CHARS = "[A-Za-z0-9_\\-.+=/!~*'%]";
    private static final Pattern THREAD = Pattern.compile("19:" + ID_CHARS + "{1,300}@thread\\.(tacv2|skype|v2)(;messageid=[0-9]{1,20})?");
    private static final Pattern CHANNEL = Pattern.compile("19:" + ID_CHARS + "{1,300}@thread\\.(tacv2|skype)");
    private static final Pattern PERSONAL = Pattern.compile("a:" + ID_CHARS + "{1,400}");
    private static final Pattern USER = Pattern.compile("29:" + ID_CHARS + "{1,400}");
    private static final Pattern AAD_OBJECT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern ACTIVITY = Pattern.compile("[A-Za-z0-9_\\-.:|@;=]{1,200}");

    private TeamsIds() {
    }

    /** A conversation this connector can post to as it is. */
    static boolean isConversation(String id) {
        return id != null && (THREAD.matcher(id).matches() || PERSONAL.matcher(id).matches());
    }

    /** A channel a new thread can be started in. */
    static boolean isChannel(String id) {
        return id != null && CHANNEL.matcher(id).matches();
    }

    /** A Bot Framework user id, {@code 29:…}. */
    static boolean isUser(String id) {
        return id != null && USER.matcher(id).matches();
    }

    /** An Entra (AAD) object id. */
    static boolean isAadObjectId(String id) {
        return id != null && AAD_OBJECT.matcher(id).matches();
    }

    /** An activity id as the Bot Connector answers with. */
    static boolean isActivity(String id) {
        return id != null && ACTIVITY.matcher(id).matches();
    }

    /** Why {@code target} (the part after {@code teams:}) is not a destination, or null when it is one. */
    static String targetProblem(String spec, String target) {
        String shown = shown(spec);
        if (target.startsWith("channel:")) {
            String channel = target.substring("channel:".length());
            if (isChannel(channel)) {
                return null;
            }
            if (channel.contains(";messageid=") && isChannel(channel.substring(0, channel.indexOf(';')))) {
                return shown + " names a thread, not a channel; post to the thread as teams:" + shown(channel)
                        + ", or start a new one with teams:channel:" + shown(channel.substring(0, channel.indexOf(';')));
            }
            return shown + " is not a channel id; give the channel's id, such as teams:channel:19:…@thread.tacv2";
        }
        if (isConversation(target) || isUser(target)) {
            return null;
        }
        if (target.isEmpty()) {
            return shown + " names no conversation; give the conversation id, such as teams:19:…@thread.tacv2";
        }
        if (isAadObjectId(target)) {
            return shown + " is an Entra object id; post to a person by their Teams user id, such as teams:29:…";
        }
        return shown + " is not a conversation id; give the conversation id, such as teams:19:…@thread.tacv2";
    }

    /**
     * {@code id} as one path segment: every byte but the unreserved {@code A-Z a-z 0-9 - . _ ~}
     * percent-encoded, so {@code :}, {@code @}, {@code ;} and {@code =} never reach the path as they are
     * (a {@code ;} would start path parameters, and some servers drop what follows).
     */
    static String pathSegment(String id) {
        StringBuilder out = new StringBuilder(id.length() + 16);
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    /** A caller's string for an error message: one line, at most 80 characters. */
    static String shown(String s) {
        if (s == null) {
            return "null";
        }
        String line = s.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return line.length() <= 80 ? line : line.substring(0, 79) + "…";
    }
}
