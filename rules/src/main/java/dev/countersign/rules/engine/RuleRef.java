package dev.countersign.rules.engine;

/** A rule of a compiled policy: its name, package, and where it is written ({@code file:line}). */
public record RuleRef(String name, String packageName, String file, int line) {
    public String source() {
        return file + ":" + line;
    }

    /** Whether this rule belongs to package {@code prefix} or a package below it ("" selects all). */
    public boolean inScope(String prefix) {
        return prefix.isEmpty() || packageName.equals(prefix)
                || (packageName.length() > prefix.length() && packageName.startsWith(prefix) && packageName.charAt(prefix.length()) == '.');
    }
}
