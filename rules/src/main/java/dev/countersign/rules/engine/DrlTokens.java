package dev.countersign.rules.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of a rule file as Java and MVEL would read them: identifiers, string and character
 * literals, numbers and single punctuation characters, with offsets into the text. Comments and
 * whitespace are dropped. Lexing is conservative where the two languages or the DRL parser differ:
 * a line comment ends at either line terminator, and a string or character literal must close on
 * the line it starts (the DRL parser and MVEL let one run on over lines, which would hide what
 * follows from this reading), so no code can hide in one.
 *
 * <p>What cannot be read safely is reported instead: Java unicode escapes ({@code \u0052untime}:
 * Java decodes them before it lexes, in comments and strings too), identifier-ignorable characters
 * (Java drops them from identifiers, so {@code Sys\u200Btem} is {@code System}), text blocks, and
 * the two places where the DRL parser hands on other text than it read: a single-quoted literal
 * holding a double quote (it rewrites {@code 'a"b'} as {@code "a"b"}, unescaped) and backquoted
 * names (it rewrites {@code `getClass`} as {@code getClass}).
 */
final class DrlTokens {
    enum Kind { IDENTIFIER, STRING, NUMBER, PUNCTUATION }

    record Token(Kind kind, String text, int start, int end) {
        boolean is(String s) {
            return text.equals(s) && kind != Kind.STRING;
        }

        boolean isIdentifier() {
            return kind == Kind.IDENTIFIER;
        }

        /** The content of a string literal, without its quotes (escapes kept). */
        String content() {
            return text.length() >= 2 ? text.substring(1, text.length() - 1) : "";
        }
    }

    /** Something in the text that the sandbox refuses to read, at {@code offset}. */
    record Unreadable(int offset, String message) {
    }

    record Lexed(List<Token> tokens, List<Unreadable> problems) {
    }

    private DrlTokens() {
    }

    static Lexed lex(String text) {
        List<Token> tokens = new ArrayList<>();
        List<Unreadable> problems = new ArrayList<>();
        unicodeEscapes(text, problems);
        int n = text.length();
        int i = 0;
        int backquotes = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                i = lineEnd(text, i);
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int close = text.indexOf("*/", i + 2);
                i = close < 0 ? n : close + 2;
            } else if (c == '"' && text.startsWith("\"\"\"", i)) {
                problems.add(new Unreadable(i, "text blocks (\"\"\") are not available in rules: write a string literal"));
                int close = text.indexOf("\"\"\"", i + 3);
                i = close < 0 ? n : close + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && text.charAt(j) != c && !isLineEnd(text.charAt(j))) {
                    j += text.charAt(j) == '\\' && j + 1 < n && !isLineEnd(text.charAt(j + 1)) ? 2 : 1;
                }
                boolean closed = j < n && text.charAt(j) == c;
                if (!closed) {
                    // The DRL parser and MVEL let a string run on over lines; Java does not. What follows
                    // the line end would be read here as code, while they read it as the string: refuse.
                    problems.add(new Unreadable(i, (c == '"' ? "a string" : "a character") + " literal is not closed on the line it"
                            + " starts: a literal may not run over lines (write \\n for a line break)"));
                    break;   // nothing after it can be read the way the engine reads it
                }
                int end = Math.min(closed ? j + 1 : j, n);
                if (c == '\'' && text.substring(i + 1, end - 1).indexOf('"') >= 0) {
                    // The DRL parser rewrites '...' as "..." without escaping the double quotes inside, so
                    // what follows one would be read as code there, and as text here: refuse.
                    problems.add(new Unreadable(i + 1 + text.substring(i + 1, end - 1).indexOf('"'), "a single-quoted literal may not"
                            + " hold a double quote: the rule parser rewrites '...' as \"...\" without escaping it, so what follows it"
                            + " would be read as code; write the literal in double quotes, with \\\" for the quote"));
                }
                tokens.add(new Token(Kind.STRING, text.substring(i, end), i, end));
                i = end;
            } else if (c == '`') {
                // The DRL parser reads `name` as the name itself: `getClass` after a dot would be a member this reading
                // never sees after a dot. Reported once per pair.
                if (backquotes++ % 2 == 0) {
                    problems.add(new Unreadable(i, "backquoted names (`name`) are not available in rules: the rule parser drops"
                            + " the backquotes, so the name would be read where this check does not look; write the name itself"));
                }
                i++;
            } else if (Character.isIdentifierIgnorable(c) && !Character.isWhitespace(c)) {
                problems.add(new Unreadable(i, String.format("an invisible character (U+%04X) is not allowed in rule code: remove it", (int) c)));
                i++;
            } else if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                i++;
            } else if (Character.isJavaIdentifierStart(text.codePointAt(i))) {
                int j = i + Character.charCount(text.codePointAt(i));
                while (j < n && Character.isJavaIdentifierPart(text.codePointAt(j))) {
                    int cp = text.codePointAt(j);
                    if (Character.isIdentifierIgnorable(cp)) {
                        problems.add(new Unreadable(j, String.format("an invisible character (U+%04X) is not allowed in rule code: remove it", cp)));
                    }
                    j += Character.charCount(cp);
                }
                tokens.add(new Token(Kind.IDENTIFIER, text.substring(i, j), i, j));
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(text.charAt(i + 1)))) {
                int j = number(text, i);
                tokens.add(new Token(Kind.NUMBER, text.substring(i, j), i, j));
                i = j;
            } else {
                tokens.add(new Token(Kind.PUNCTUATION, String.valueOf(c), i, i + 1));
                i++;
            }
        }
        return new Lexed(tokens, problems);
    }

    /** The deepest nesting of brackets a rule file may have. */
    static final int MAX_NESTING = 200;

    /**
     * The error of a file whose brackets ({@code ( [ {}) nest deeper than {@value #MAX_NESTING}, at the
     * first one too deep; null when none does. Strings and comments are skipped as {@link #lex} does.
     */
    static dev.countersign.rules.PolicyError tooDeep(dev.countersign.rules.bundle.SourceFile file) {
        String text = file.text();
        int depth = 0;
        int line = 1;
        int lineStart = 0;
        for (Token t : lex(text).tokens()) {
            if (t.kind() != Kind.PUNCTUATION) {
                continue;
            }
            char c = t.text().charAt(0);
            if (c == '(' || c == '[' || c == '{') {
                if (++depth > MAX_NESTING) {
                    for (int k = lineStart; k < t.start(); k++) {
                        if (text.charAt(k) == '\n') {
                            line++;
                            lineStart = k + 1;
                        }
                    }
                    return new dev.countersign.rules.PolicyError(file.path(), line, t.start() - lineStart + 1,
                            "brackets nest deeper than " + MAX_NESTING + " levels here: split the condition into simpler ones");
                }
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
            }
        }
        return null;
    }

    /** The end of a dotted name {@code a.b.c} (and of {@code a.b.*} if {@code star}) starting at token {@code from}. */
    static int qualifiedName(List<Token> t, int from, boolean star) {
        int i = from;
        if (i >= t.size() || !t.get(i).isIdentifier()) {
            return i;
        }
        i++;
        while (i + 1 < t.size() && t.get(i).is(".") && (t.get(i + 1).isIdentifier() || (star && t.get(i + 1).is("*")))) {
            i += 2;
            if (t.get(i - 1).is("*")) {
                break;
            }
        }
        return i;
    }

    /** The text of tokens {@code from} (inclusive) to {@code to} (exclusive), joined without spaces. */
    static String text(List<Token> t, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(t.get(i).text());
        }
        return b.toString();
    }

    private static boolean isLineEnd(char c) {
        return c == '\n' || c == '\r';
    }

    private static int lineEnd(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    /** The end of a numeric literal: digits, hex digits, underscores, a fraction, an exponent and a type suffix. */
    private static int number(String text, int from) {
        int i = from;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isDigit(c) || c == '_' || "xXabcdefABCDEFlLiI".indexOf(c) >= 0) {
                i++;
            } else if (c == '.' && i + 1 < n && Character.isDigit(text.charAt(i + 1))) {
                i++;
            } else if ((c == '+' || c == '-') && "eEpP".indexOf(text.charAt(i - 1)) >= 0) {
                i++;
            } else if (c == 'p' || c == 'P') {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    /**
     * Reports every backslash-u that Java would read as a unicode escape: a {@code u} after an odd
     * run of backslashes ({@code \\u0041} in a string is a backslash and "u0041").
     */
    private static void unicodeEscapes(String text, List<Unreadable> problems) {
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                run++;
                continue;
            }
            if (c == 'u' && run % 2 == 1) {
                int end = i;
                while (end < text.length() && text.charAt(end) == 'u') {
                    end++;
                }
                String digits = text.substring(end, Math.min(end + 4, text.length())).replaceAll("[^0-9A-Fa-f]", "");
                problems.add(new Unreadable(i - 1, "a Java unicode escape (\\u" + digits
                        + ") is not allowed in rule files, not even in strings or comments: write the character itself"));
            }
            run = 0;
        }
    }
}
