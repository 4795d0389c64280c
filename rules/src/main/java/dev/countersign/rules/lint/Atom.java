package dev.countersign.rules.lint;

/**
 * One conjunct of a pattern's constraints in a form the linter understands: an optional binding, a
 * property ({@code name}, {@code time.hour}, {@code attributes["k"]}, written without spaces) and, unless
 * the atom only binds, an operator and an operand. {@code line} and {@code column} are 1-based, in the
 * rule file.
 */
record Atom(String binding, String property, String operator, Operand operand, int line, int column) {
    boolean compares() {
        return operator != null;
    }

    /** Whether a fact meeting this atom has a non-null {@code property}: null meets no ordering, pattern, or literal but null. */
    boolean impliesPresent() {
        if (operator == null) {
            return false;
        }
        return switch (operator) {
            case "==" -> operand.isLiteral() && operand.kind() != Operand.Kind.NULL;
            case "!=" -> operand.kind() == Operand.Kind.NULL;
            case "<", "<=", ">", ">=", "matches", "finds" -> operand.isLiteral() && operand.kind() != Operand.Kind.NULL;
            default -> false;
        };
    }

    /** The same test on the same property with the same literal. */
    boolean sameTest(Atom other) {
        return compares() && other.compares() && property.equals(other.property) && operator.equals(other.operator)
                && operand.sameLiteral(other.operand);
    }

    /** The atom as DRL, for messages. */
    String text() {
        return compares() ? property + " " + operator + " " + operand : property;
    }
}
