package dev.countersign.rules.json;

import java.math.BigDecimal;

/**
 * What an action context may hold, so that what is decided and logged is exactly what the caller
 * sent: text is Unicode text (no lone UTF-16 surrogate, no NUL), an identifier (an id, a name, a
 * type, a role, a group, a classification, an environment, a region…) holds no control character,
 * free text (a command, an intent) holds none but tab, line feed and carriage return, and a number
 * is one a 64-bit floating-point value holds exactly as written — finite, and neither rounded nor
 * underflowing to zero — since rules compare numbers as such.
 */
final class StrictValues {
    private StrictValues() {
    }

    /** Why {@code s} may not be an identifier, or null. */
    static String identifierProblem(String s) {
        return problem(s, false);
    }

    /** Why {@code s} may not be free text (or any other string value), or null. */
    static String textProblem(String s) {
        return problem(s, true);
    }

    private static String problem(String s, boolean freeText) {
        if (s == null) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                return "holds a lone UTF-16 surrogate (" + code(c) + " at character " + i + "), which is no character: send text as"
                        + " whole characters";
            }
            if (c == 0) {
                return "holds a NUL character (at character " + i + ")";
            }
            if (Character.isISOControl(c) && !(freeText && (c == '\t' || c == '\n' || c == '\r'))) {
                return "holds the control character " + code(c) + " (at character " + i + ")"
                        + (freeText ? "; free text may hold tabs and line breaks only" : "; an identifier holds none");
            }
        }
        return null;
    }

    /**
     * Why the number written {@code exact} and read as {@code read} is refused, or null: not finite,
     * or not what a 64-bit floating-point number holds of it.
     */
    static String numberProblem(BigDecimal exact, double read) {
        if (Double.isInfinite(read) || Double.isNaN(read)) {
            return "is out of the range of a 64-bit floating-point number (about ±1.8e308)";
        }
        if (new BigDecimal(Double.toString(read)).compareTo(exact) != 0) {
            return "has more precision than a 64-bit floating-point number holds (it would be read as " + read
                    + "): round it, or send it as a string";
        }
        return null;
    }

    private static String code(char c) {
        return String.format("U+%04X", (int) c);
    }
}
