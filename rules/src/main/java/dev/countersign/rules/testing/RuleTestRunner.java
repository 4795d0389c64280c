package dev.countersign.rules.testing;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.engine.CompiledPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs a compiled bundle's rule tests. A case passes when the verdict is the expected one, every
 * expected rule name is among the reasons and no unwanted one is, and the approval requirement
 * matches in each key given. A case whose evaluation failed (a rule threw) is an error, unless it
 * expects exactly that by naming the reason {@code error}. A case whose evaluation the budget cut off,
 * or the JVM ended (a stack overflow), is an error whatever it expects: the bundle's rules take longer,
 * or reach deeper, than a decision may. A case cut off is run again, up to {@value #CUT_OFF_RUNS} times
 * in all, after every other case has run once: the first evaluations of a freshly compiled bundle load
 * and link classes on the evaluating thread, which a busy machine can stretch past a budget that the
 * same case, warm, keeps well within; rules that run away are cut off every time. Cases are evaluated
 * with the rules, never answered from the policy's cache, in the case's package scope when it gives
 * one, and with the data values it replaces put into the bundle's documents for that case alone.
 */
public final class RuleTestRunner {
    /** How many times a case the budget cuts off is evaluated before it is an error. */
    static final int CUT_OFF_RUNS = 3;

    private RuleTestRunner() {
    }

    public enum Status {
        PASS, FAIL, ERROR
    }

    /** The outcome of one case, with what was expected and what came, in the same short form. */
    public record CaseResult(String file, String name, int line, Status status, String expected, String actual,
                             List<String> problems) {
        /** {@code file:line}, where the case starts. */
        public String location() {
            return file + ":" + line;
        }
    }

    /** The outcomes of all cases, in file and case order. */
    public record Report(List<CaseResult> results) {
        public long count(Status status) {
            return results.stream().filter(r -> r.status() == status).count();
        }

        /** True when there was at least one case and every case passed. */
        public boolean ok() {
            return !results.isEmpty() && count(Status.PASS) == results.size();
        }
    }

    public static Report run(CompiledPolicy policy) {
        List<CaseResult> results = new ArrayList<>();
        List<Runnable> again = new ArrayList<>();
        for (RuleTestFile file : policy.bundle().tests()) {
            for (RuleTestFile.Case c : file.cases()) {
                CompiledPolicy.Result result = evaluate(policy, c);
                int index = results.size();
                results.add(judge(file.path(), c, result));
                if (result.cutOff()) {
                    again.add(() -> results.set(index, run(policy, file.path(), c, CUT_OFF_RUNS - 1)));
                }
            }
        }
        again.forEach(Runnable::run);
        return new Report(results);
    }

    public static CaseResult run(CompiledPolicy policy, String file, RuleTestFile.Case c) {
        return run(policy, file, c, CUT_OFF_RUNS);
    }

    private static CaseResult run(CompiledPolicy policy, String file, RuleTestFile.Case c, int runs) {
        CompiledPolicy.Result result = evaluate(policy, c);
        for (int run = 1; run < runs && result.cutOff(); run++) {
            result = evaluate(policy, c);
        }
        return judge(file, c, result);
    }

    /** Evaluates a case with the rules (never from the cache) in its scope, with its data values put in when it replaces some. */
    public static CompiledPolicy.Result evaluate(CompiledPolicy policy, RuleTestFile.Case c) {
        BundleData data = c.data() == null ? null : policy.bundle().data().overriddenBy(c.data());
        return policy.evaluateWithRules(c.input(), c.scope(), data);
    }

    private static CaseResult judge(String file, RuleTestFile.Case c, CompiledPolicy.Result result) {
        Decision decision = result.decision();
        RuleTestFile.Expectation expect = c.expect();
        String expected = describe(expect);
        String actual = describe(decision);
        List<String> problems = new ArrayList<>();
        for (Reason r : decision.reasons()) {
            if (Reason.ERROR_RULE.equals(r.rule())) {
                problems.add(r.message() + (r.source() == null ? "" : " (" + r.source() + ")"));
            }
        }
        if (!problems.isEmpty() && (!result.repeatable() || !expect.expectsError())) {
            return new CaseResult(file, c.name(), c.line(), Status.ERROR, expected, actual, problems);
        }
        problems.clear();
        if (decision.verdict() != expect.verdict()) {
            problems.add("verdict: expected " + expect.verdict() + ", got " + decision.verdict());
        }
        Set<String> ruleNames = new HashSet<>();
        decision.reasons().forEach(r -> ruleNames.add(r.rule()));
        for (String wanted : expect.reasons()) {
            if (!ruleNames.contains(wanted)) {
                problems.add("reasons: expected rule \"" + wanted + "\" among " + new TreeSet<>(ruleNames));
            }
        }
        for (String unwanted : expect.notReasons()) {
            if (ruleNames.contains(unwanted)) {
                problems.add("reasons: rule \"" + unwanted + "\" should not be among " + new TreeSet<>(ruleNames));
            }
        }
        ApprovalRequirement got = decision.approval();
        if (got != null && decision.verdict() == expect.verdict()) {
            if (expect.groups() != null && !new TreeSet<>(expect.groups()).equals(new TreeSet<>(got.groups()))) {
                problems.add("approval groups: expected " + new TreeSet<>(expect.groups()) + ", got " + got.groups());
            }
            if (expect.quorum() != null && !expect.quorum().equals(got.quorum())) {
                problems.add("approval quorum: expected " + expect.quorum() + ", got " + got.quorum());
            }
            if (expect.ttl() != null && !expect.ttl().equals(got.ttl())) {
                problems.add("approval ttl: expected " + expect.ttl() + ", got " + got.ttl());
            }
        }
        return new CaseResult(file, c.name(), c.line(), problems.isEmpty() ? Status.PASS : Status.FAIL, expected, actual, problems);
    }

    private static String describe(RuleTestFile.Expectation e) {
        StringBuilder s = new StringBuilder(e.verdict().wireName());
        if (!e.reasons().isEmpty()) {
            s.append(" reasons ").append(e.reasons());
        }
        if (!e.notReasons().isEmpty()) {
            s.append(" not reasons ").append(e.notReasons());
        }
        if (e.groups() != null || e.quorum() != null || e.ttl() != null) {
            s.append(" approval {");
            List<String> parts = new ArrayList<>();
            if (e.groups() != null) {
                parts.add("groups " + e.groups());
            }
            if (e.quorum() != null) {
                parts.add("quorum " + e.quorum());
            }
            if (e.ttl() != null) {
                parts.add("ttl " + e.ttl());
            }
            s.append(String.join(", ", parts)).append('}');
        }
        return s.toString();
    }

    private static String describe(Decision d) {
        StringBuilder s = new StringBuilder(d.verdict().wireName());
        s.append(" reasons ").append(d.reasons().stream().map(Reason::rule).toList());
        if (d.approval() != null) {
            s.append(" approval {groups ").append(d.approval().groups())
                    .append(", quorum ").append(d.approval().quorum())
                    .append(", ttl ").append(d.approval().ttl()).append('}');
        }
        return s.toString();
    }
}
