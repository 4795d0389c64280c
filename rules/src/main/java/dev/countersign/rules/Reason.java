package dev.countersign.rules;

/**
 * Why a verdict was reached: the rule that said so, its package, what it said and where it is
 * written ({@code file:line}, relative to the bundle). The decision without a matching rule has one
 * reason whose rule is {@value #DEFAULT_RULE}; a failed evaluation one whose rule is
 * {@value #ERROR_RULE}.
 */
public record Reason(String rule, String packageName, Verdict verdict, String message, String source) {
    public static final String DEFAULT_RULE = "default";
    public static final String ERROR_RULE = "error";
}
