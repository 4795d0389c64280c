package dev.countersign.connectors.teams;

/**
 * A request refused, with the HTTP status to answer and a reason safe to log or audit (it never
 * quotes a token, and quotes at most short, one-line pieces of the activity):
 * <ul>
 *   <li>401 {@code unauthorized}: no Bot Framework token, or one that does not prove this request
 *       (bad signature, unknown key, issuer, audience, expired, not yet valid, another serviceUrl);</li>
 *   <li>403 {@code forbidden}: a valid token, but the activity may not act here (its key is not
 *       endorsed for {@code msteams}, another channel, another tenant);</li>
 *   <li>503 {@code keys_unavailable}: the signing keys could not be fetched, so no token can be
 *       checked (failing closed);</li>
 *   <li>400 (codes such as {@code invalid_activity}, {@code unsupported_action}, {@code unknown_verb})
 *       and 413 {@code too_large}: an authentic activity that cannot be read as one the bot handles;</li>
 *   <li>500 {@code internal_error}: a bug here; nothing was accepted.</li>
 * </ul>
 * Nothing is done for a refused request.
 *
 * @param status the HTTP status to answer
 * @param code   a stable code
 * @param reason what was wrong, in words
 */
public record TeamsRefusal(int status, String code, String reason) implements TeamsInteraction, Authentication, ActivityReading {
    static final int MAX_SHOWN = 80;

    static TeamsRefusal unauthorized(String reason) {
        return new TeamsRefusal(401, "unauthorized", reason);
    }

    static TeamsRefusal forbidden(String reason) {
        return new TeamsRefusal(403, "forbidden", reason);
    }

    static TeamsRefusal keysUnavailable(String reason) {
        return new TeamsRefusal(503, "keys_unavailable", reason);
    }

    static TeamsRefusal invalid(String code, String reason) {
        return new TeamsRefusal(400, code, reason);
    }

    /** The answer: {@link InvokeResponses#error} with this status, code and reason. */
    public InvokeResponse invokeResponse() {
        return InvokeResponses.error(status, code, reason);
    }

    /** {@code s} as a refusal may quote it: quoted, one line, at most {@value #MAX_SHOWN} characters. */
    static String shown(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(MAX_SHOWN).forEach(c -> b.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? '?' : c));
        if (s.codePointCount(0, s.length()) > MAX_SHOWN) {
            b.append('…');
        }
        return b.append('"').toString();
    }
}
