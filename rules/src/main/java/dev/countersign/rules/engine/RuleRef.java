package dev.countersign.rules.engine;

import java.util.List;

/**
 * A rule of a compiled policy: its name, package, where it is written ({@code file:line}) and the
 * controls it names ({@code @control(...)}, in the order written; empty when none).
 */
public final class RuleRef {
    private final String name;
    private final String packageName;
    private final String file;
    private final int line;
    private final String source;
    private final List<String> controls;

    public RuleRef(String name, String packageName, String file, int line) {
        this(name, packageName, file, line, List.of());
    }

    public RuleRef(String name, String packageName, String file, int line, List<String> controls) {
        this.controls = List.copyOf(controls);
        this.name = name;
        this.packageName = packageName;
        this.file = file;
        this.line = line;
        this.source = file + ":" + line;
    }

    public String name() {
        return name;
    }

    public String packageName() {
        return packageName;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** The controls the rule names, in the order written. */
    public List<String> controls() {
        return controls;
    }

    /** {@code file:line}. */
    public String source() {
        return source;
    }

    /** Whether this rule belongs to package {@code prefix} or a package below it ("" selects all). */
    public boolean inScope(String prefix) {
        return prefix.isEmpty() || packageName.equals(prefix)
                || (packageName.length() > prefix.length() && packageName.startsWith(prefix) && packageName.charAt(prefix.length()) == '.');
    }

    @Override
    public String toString() {
        return "rule \"" + name + "\" (" + packageName + ", " + source + ")";
    }
}
