package dev.countersign.rules.engine;

import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.rule.ConsequenceException;

/**
 * The {@code error} reason of a failed evaluation: the rule that failed, and why. The rule is, in
 * this order, the one of the match whose consequence Drools reports as failed; the one whose
 * generated code (a consequence, an {@code eval}, or a DRL function one of them called) is on the
 * failure's stack; the one a failed condition's message names; the one whose consequence was running.
 * None is named when none of these is known, as for a condition that overflowed the stack inside a
 * regular expression: the stack trace Java keeps holds only the innermost frames.
 */
final class FailureReasons {
    private static final Pattern FAILED_CONSTRAINT = Pattern.compile("Error evaluating constraint '(.*)' in", Pattern.DOTALL);
    private static final Pattern MVEL_ERROR = Pattern.compile("\\[Error: (.*?)\\]\\s*(\\[Near|$)", Pattern.DOTALL);

    private final Map<Rule, RuleRef> rules;
    private final List<RuleRef> ruleList;
    private final Map<String, RuleRef> constraints;
    private final Map<String, RuleRef> ruleClasses;
    private final Set<String> packages;
    private final List<TextOperators.Site> textSites;

    /**
     * Reasons naming {@code rules}, listed by file and line in {@code ruleList}; {@code constraints} maps
     * a condition's text to its rule, {@code ruleClasses} the name of the class Drools generated for a
     * rule's code to the rule; {@code textSites} the conditions using {@link TextOperators}, by site.
     */
    FailureReasons(Map<Rule, RuleRef> rules, List<RuleRef> ruleList, Map<String, RuleRef> constraints, Map<String, RuleRef> ruleClasses,
                   List<TextOperators.Site> textSites) {
        this.textSites = textSites;
        this.rules = rules;
        this.ruleList = ruleList;
        this.constraints = constraints;
        this.ruleClasses = ruleClasses;
        this.packages = new HashSet<>();
        ruleList.forEach(r -> packages.add(r.packageName()));
    }

    /** The reason of an evaluation of {@code scope} that {@code failure} ended. */
    Reason of(Evaluation evaluation, Throwable failure, String scope) {
        return reason(culprit(evaluation, failure), detail(failure) + inFunction(failure), scope);
    }

    /**
     * The reason of an evaluation of {@code scope} cut off at its budget ({@code detail} says which):
     * the rule blamed where the budget was found spent, else one found from {@code failure} (which
     * may be null) as {@link #of} finds it.
     */
    Reason budgetExceeded(Evaluation evaluation, Throwable failure, String scope, String detail) {
        RuleRef rule = evaluation.culprit();
        if (rule == null && failure != null) {
            rule = culprit(evaluation, failure);
        }
        return reason(rule, detail, scope);
    }

    private static Reason reason(RuleRef rule, String detail, String scope) {
        if (rule == null) {
            return new Reason(Reason.ERROR_RULE, scope, Verdict.DENY, "evaluation failed: " + BuildErrors.clean(detail), null);
        }
        return new Reason(Reason.ERROR_RULE, rule.packageName(), Verdict.DENY,
                "rule \"" + rule.name() + "\" failed: " + BuildErrors.clean(detail), rule.source());
    }

    private RuleRef culprit(Evaluation evaluation, Throwable failure) {
        TextOperators.Site site = textSite(failure);
        if (site != null && site.rule() != null) {
            return site.rule();
        }
        SourceFailure source = sourceFailure(failure);
        if (source != null && source.rule() != null) {
            return source.rule();
        }
        if (failure instanceof ConsequenceException ce && ce.getMatch() != null) {
            RuleRef rule = rules.get(ce.getMatch().getRule());
            if (rule != null) {
                return rule;
            }
        }
        RuleRef rule = ruleOnStack(failure);
        if (rule == null && !(failure instanceof ConsequenceException)) {
            rule = ruleNamedIn(failure);
        }
        return rule != null ? rule : evaluation.firing;
    }

    /** The condition of a failed {@code finds} or {@code str[...]}, when the failure is one and its site is known. */
    private TextOperators.Site textSite(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TextOperators.Failure f) {
                return f.site >= 0 && f.site < textSites.size() ? textSites.get(f.site) : null;
            }
        }
        return null;
    }

    private static SourceFailure sourceFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SourceFailure s) {
                return s;
            }
        }
        return null;
    }

    /**
     * Where a DRL function threw, the innermost on the stack of the failure's root cause:
     * {@code " (in function name)"}; empty when no function did. Drools compiles the function
     * {@code name} of package {@code p} to a class {@code p.Name} with a static method {@code name}.
     */
    private String inFunction(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        for (StackTraceElement frame : root.getStackTrace()) {
            String className = frame.getClassName();
            int dot = className.lastIndexOf('.');
            String method = frame.getMethodName();
            if (dot > 0 && !method.isEmpty() && packages.contains(className.substring(0, dot))
                    && className.substring(dot + 1).equals(Character.toUpperCase(method.charAt(0)) + method.substring(1))) {
                return " (in function " + method + ")";
            }
        }
        return "";
    }

    /** The rule whose generated code is the innermost on the stack of {@code failure} or of a cause. */
    private RuleRef ruleOnStack(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (StackTraceElement frame : t.getStackTrace()) {
                String className = frame.getClassName();
                int dollar = className.indexOf('$');
                RuleRef rule = ruleClasses.get(dollar < 0 ? className : className.substring(0, dollar));
                if (rule != null) {
                    return rule;
                }
            }
        }
        return null;
    }

    /**
     * The rule of a failed condition. Drools names the constraint ({@code Error evaluating constraint
     * 'expr' in [Rule "name" ...]}), and the rules only sometimes, as alpha nodes are shared.
     */
    private RuleRef ruleNamedIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            Matcher m = FAILED_CONSTRAINT.matcher(message);
            if (m.find()) {
                RuleRef ref = constraints.get(m.group(1).trim());
                if (ref != null) {
                    return ref;
                }
            }
            for (RuleRef ref : ruleList) {
                if (message.contains("Rule \"" + ref.name() + "\"") || message.contains("rule \"" + ref.name() + "\"")) {
                    return ref;
                }
            }
        }
        return null;
    }

    /**
     * The most telling message of a failure: the condition it names, and the argument error the
     * vocabulary raised (data paths, typed attributes, ttls) or else the cause the engine wrapped,
     * without MVEL's decoration; for the JVM's own errors (a stack overflow, no memory left), its name.
     */
    private String detail(Throwable failure) {
        Throwable cause = failure.getCause() != null && failure.getCause() != failure ? failure.getCause() : failure;
        String message = null;
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException && t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        if (message == null && cause instanceof VirtualMachineError) {
            message = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        while (message == null && cause.getMessage() == null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause(); // a wrapper without a message (InvocationTargetException): what it wraps
        }
        if (message == null) {
            message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            Matcher mvel = MVEL_ERROR.matcher(message);
            if (mvel.find()) {
                message = mvel.group(1);
            }
        }
        Matcher m = FAILED_CONSTRAINT.matcher(String.valueOf(failure.getMessage()));
        SourceFailure source = sourceFailure(failure);
        TextOperators.Site site = textSite(failure);
        if (site != null) {
            return "condition '" + site.condition() + "': " + message;
        }
        return m.find() ? "condition '" + TextOperators.asWritten(m.group(1).trim()) + "': " + message
                : source != null ? source.getMessage() + ": " + message : message;
    }
}
