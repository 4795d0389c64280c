package dev.countersign.rules.json;

/**
 * Input that is not a valid action context. {@code pointer} is the JSON pointer of the offending
 * value ("" for the document itself); {@code line} and {@code column} locate it in the source text
 * (1-based, 0 when unknown).
 */
public final class InvalidInputException extends RuntimeException {
    private final String code;
    private final String pointer;
    private final int line;
    private final int column;

    public InvalidInputException(String code, String pointer, String message, int line, int column) {
        super(message);
        this.code = code;
        this.pointer = pointer;
        this.line = line;
        this.column = column;
    }

    /** A stable machine-readable code such as {@code invalid_input} or {@code too_deep}. */
    public String code() {
        return code;
    }

    public String pointer() {
        return pointer;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message prefixed with where the problem is, e.g. {@code /actor/roles/1: expected a string, got a number}. */
    public String describe() {
        return pointer.isEmpty() ? getMessage() : pointer + ": " + getMessage();
    }
}
