package dev.countersign.connectors.slack;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Slack's ids as this connector accepts them: a conversation is {@code C…} (public channel),
 * {@code G…} (private channel or group DM) or {@code D…} (direct message); a user is {@code U…} or
 * {@code W…} (Enterprise Grid). Ids are upper-case letters and digits. Names ({@code #general},
 * {@code @alice}) are not ids: they change, and {@code chat.update} refuses them.
 */
final class SlackIds {
    private static final Pattern CONVERSATION = Pattern.compile("[CGD][A-Z0-9]{2,31}");
    private static final Pattern USER = Pattern.compile("[UW][A-Z0-9]{2,31}");
    private static final Pattern TEAM = Pattern.compile("[TE][A-Z0-9]{2,31}");

    private SlackIds() {
    }

    static boolean isConversation(String id) {
        return id != null && CONVERSATION.matcher(id).matches();
    }

    static boolean isUser(String id) {
        return id != null && USER.matcher(id).matches();
    }

    static boolean isTeam(String id) {
        return id != null && TEAM.matcher(id).matches();
    }

    /** Why {@code target} (the part after {@code slack:}) is not a channel or user id, or null when it is one. */
    static String targetProblem(String spec, String target) {
        if (isConversation(target) || isUser(target)) {
            return null;
        }
        String shown = shown(spec);
        if (target.isEmpty()) {
            return shown + " names no channel; give the channel's id, such as slack:C0123456789";
        }
        if (target.startsWith("@")) {
            return shown + " is not a user id; give the member id, such as U0123456789";
        }
        String upper = target.toUpperCase(Locale.ROOT);
        if (target.chars().anyMatch(Character::isDigit) && (USER.matcher(upper).matches() || CONVERSATION.matcher(upper).matches())) {
            return shown + " is not an id: Slack's ids are upper case, such as C0123456789";
        }
        return shown + " is not a channel id; give the channel's id, such as C0123456789";
    }

    /** A caller's string for an error message: one line, at most 80 characters. */
    static String shown(String s) {
        String line = s.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return line.length() <= 80 ? line : line.substring(0, 79) + "…";
    }
}
