package dev.countersign.rules.explain;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.countersign.rules.Decision;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.RuleExplainer;
import dev.countersign.rules.engine.RuleRef;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.testing.RuleTestFile;
import dev.countersign.rules.testing.RuleTestRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a bundle's rule tests exercise: which rules no case fires, and which conditions
 * ({@link ConditionRef}) were true in no case, found by explaining every rule for every case's
 * input ({@link RuleExplainer#explainEvery}). A rule fires in a case when the case's decision names
 * it among its reasons. Conditions the explanation cannot evaluate are counted apart, as not
 * explained: coverage says nothing about them.
 */
public record Coverage(int cases, List<RuleRef> rules, List<RuleRef> notFired, List<ConditionRef> conditions,
                       List<ConditionRef> neverHeld, List<ConditionRef> notExplained) {
    public Coverage {
        rules = List.copyOf(rules);
        notFired = List.copyOf(notFired);
        conditions = List.copyOf(conditions);
        neverHeld = List.copyOf(neverHeld);
        notExplained = List.copyOf(notExplained);
    }

    /** Runs every case of {@code policy}'s rule tests as {@code test} does (in its package, with its data) and measures coverage. */
    public static Coverage measure(CompiledPolicy policy) {
        RuleExplainer explainer = policy.explainer();
        List<ConditionRef> conditions = explainer.conditions();
        Set<RuleRef> fired = new HashSet<>();
        Set<ConditionRef> held = new HashSet<>();
        int cases = 0;
        for (RuleTestFile file : policy.bundle().tests()) {
            for (RuleTestFile.Case c : file.cases()) {
                cases++;
                Decision decision = RuleTestRunner.evaluate(policy, c).decision();
                BundleData data = c.data() == null ? policy.bundle().data() : policy.bundle().data().overriddenBy(c.data());
                Explanation e = explainer.explainEvery(c.input(), c.scope(), decision, data);
                for (RuleExplanation r : e.rules()) {
                    if (r.fired()) {
                        fired.add(r.rule());
                    }
                    for (ConditionRef k : conditions) {
                        if (k.rule() == r.rule() && !held.contains(k) && k.heldIn(r)) {
                            held.add(k);
                        }
                    }
                }
            }
        }
        List<RuleRef> notFired = policy.rules().stream().filter(r -> !fired.contains(r)).toList();
        List<ConditionRef> neverHeld = new ArrayList<>();
        List<ConditionRef> notExplained = new ArrayList<>();
        for (ConditionRef k : conditions) {
            if (k.notExplained() != null) {
                notExplained.add(k);
            } else if (!held.contains(k)) {
                neverHeld.add(k);
            }
        }
        return new Coverage(cases, policy.rules(), notFired, conditions, neverHeld, notExplained);
    }

    /** Whether every rule fired and every condition the explanation evaluates held in some case. */
    public boolean full() {
        return notFired.isEmpty() && neverHeld.isEmpty();
    }

    /** The share of rules fired and of explained conditions held, together, in percent (100 when there is nothing to count). */
    public double percent() {
        int total = rules.size() + conditions.size() - notExplained.size();
        int covered = rules.size() - notFired.size() + conditions.size() - notExplained.size() - neverHeld.size();
        return total == 0 ? 100.0 : Math.floor(1000.0 * covered / total) / 10.0;
    }

    /** The text report: one summary line, then the rules no case fires and the conditions never true, each with its place. */
    public String text() {
        StringBuilder out = new StringBuilder();
        int explained = conditions.size() - notExplained.size();
        out.append("coverage: ").append(rules.size() - notFired.size()).append(" of ").append(rules.size()).append(" rules fired, ")
                .append(explained - neverHeld.size()).append(" of ").append(explained).append(" conditions held in some case (")
                .append(cases).append(cases == 1 ? " case" : " cases");
        if (!notExplained.isEmpty()) {
            out.append("; ").append(notExplained.size()).append(notExplained.size() == 1 ? " condition" : " conditions")
                    .append(" not explained");
        }
        out.append("): ").append(percent()).append("%\n");
        if (!notFired.isEmpty()) {
            out.append("rules no case fires:\n");
            for (RuleRef r : notFired) {
                out.append("  ").append(r.source()).append("  rule \"").append(r.name()).append("\" (").append(r.packageName()).append(")\n");
            }
        }
        if (!neverHeld.isEmpty()) {
            out.append("conditions true in no case:\n");
            neverHeld.forEach(k -> out.append("  ").append(describe(k)).append('\n'));
        }
        if (!notExplained.isEmpty()) {
            out.append("conditions not explained (not counted):\n");
            notExplained.forEach(k -> out.append("  ").append(describe(k)).append(": ").append(k.notExplained()).append('\n'));
        }
        return out.toString();
    }

    private static String describe(ConditionRef k) {
        String where = k.source() + "  rule \"" + k.rule().name() + "\": ";
        return k.constraintIndex() < 0 ? where + k.conditionText() : where + k.text() + "  in " + k.conditionText();
    }

    /** Writes the report as one JSON object. */
    public void writeJson(JsonGenerator g) throws IOException {
        int explained = conditions.size() - notExplained.size();
        g.writeStartObject();
        g.writeNumberField("cases", cases);
        g.writeBooleanField("full", full());
        g.writeNumberField("percent", percent());
        g.writeObjectFieldStart("rules");
        g.writeNumberField("total", rules.size());
        g.writeNumberField("fired", rules.size() - notFired.size());
        g.writeEndObject();
        g.writeObjectFieldStart("conditions");
        g.writeNumberField("total", explained);
        g.writeNumberField("held", explained - neverHeld.size());
        g.writeNumberField("not_explained", notExplained.size());
        g.writeEndObject();
        g.writeArrayFieldStart("rules_not_fired");
        for (RuleRef r : notFired) {
            g.writeStartObject();
            g.writeStringField("rule", r.name());
            g.writeStringField("package", r.packageName());
            g.writeStringField("source", r.source());
            g.writeEndObject();
        }
        g.writeEndArray();
        writeConditions(g, "conditions_never_held", neverHeld);
        writeConditions(g, "conditions_not_explained", notExplained);
        g.writeEndObject();
    }

    private static void writeConditions(JsonGenerator g, String field, List<ConditionRef> list) throws IOException {
        g.writeArrayFieldStart(field);
        for (ConditionRef k : list) {
            g.writeStartObject();
            g.writeStringField("rule", k.rule().name());
            g.writeStringField("package", k.rule().packageName());
            g.writeStringField("source", k.source());
            g.writeStringField("condition", k.conditionText());
            if (k.constraintIndex() >= 0) {
                g.writeStringField("constraint", k.text());
            }
            if (k.notExplained() != null) {
                g.writeStringField("message", k.notExplained());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

}
