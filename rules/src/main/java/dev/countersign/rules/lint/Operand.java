package dev.countersign.rules.lint;

import java.math.BigDecimal;

/**
 * The right-hand side of a constraint the linter reads: a literal (a string, unescaped as the DRL
 * parser does; a number; a boolean; null) or a binding ({@code $me}).
 */
record Operand(Kind kind, String text, Object value) {
    enum Kind { STRING, NUMBER, BOOLEAN, NULL, BINDING }

    static Operand parse(String text) {
        char first = text.charAt(0);
        if (first == '"' || first == '\'') {
            return new Operand(Kind.STRING, text, unescape(text.substring(1, text.length() - 1)));
        }
        if (first == '$') {
            return new Operand(Kind.BINDING, text, text);
        }
        if (text.equals("null")) {
            return new Operand(Kind.NULL, text, null);
        }
        if (text.equals("true") || text.equals("false")) {
            return new Operand(Kind.BOOLEAN, text, Boolean.valueOf(text));
        }
        String digits = Character.isLetter(text.charAt(text.length() - 1)) ? text.substring(0, text.length() - 1) : text;
        return new Operand(Kind.NUMBER, text, new BigDecimal(digits));
    }

    boolean isLiteral() {
        return kind != Kind.BINDING;
    }

    /** Whether both are the same literal (numbers by value: {@code 5 == 5.0}). */
    boolean sameLiteral(Operand other) {
        if (!isLiteral() || kind != other.kind) {
            return false;
        }
        if (kind == Kind.NULL) {
            return true;
        }
        if (kind == Kind.NUMBER) {
            return ((BigDecimal) value).compareTo((BigDecimal) other.value) == 0;
        }
        return value.equals(other.value);
    }

    /** The value as a DRL literal shows it, for messages. */
    @Override
    public String toString() {
        return text;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case '\\', '"', '\'' -> out.append(next);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                default -> out.append('\\').append(next);
            }
        }
        return out.toString();
    }
}
