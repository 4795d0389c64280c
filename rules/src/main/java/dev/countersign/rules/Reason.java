package dev.countersign.rules;

import java.util.List;

/**
 * Why a verdict was reached: the rule that said so, its package, what it said, where it is written
 * ({@code file:line}, relative to the bundle) and the controls the rule names it enforces
 * ({@code @control("SOC2:CC6.1", ...)}, in the order written; empty when it names none). The
 * decision without a matching rule has one reason whose rule is {@value #DEFAULT_RULE}; a failed
 * evaluation one whose rule is {@value #ERROR_RULE}; neither names controls.
 */
public record Reason(String rule, String packageName, Verdict verdict, String message, String source, List<String> controls) {
    public static final String DEFAULT_RULE = "default";
    public static final String ERROR_RULE = "error";

    public Reason {
        controls = controls == null ? List.of() : List.copyOf(controls);
    }

    /** A reason whose rule names no control. */
    public Reason(String rule, String packageName, Verdict verdict, String message, String source) {
        this(rule, packageName, verdict, message, source, List.of());
    }
}
