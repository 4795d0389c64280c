package dev.countersign.benchmarks;

import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.drools.ancompiler.CompiledNetwork;
import org.drools.ancompiler.KieBaseUpdaterANC;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.kie.api.KieBase;
import org.kie.api.io.ResourceType;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.internal.utils.KieHelper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Where the Drools insert/fire/delete floor comes from: the 10 rules of {@link GeneratedBundle} (the
 * same conditions) written as plain DRL on the model classes, without Countersign's vocabulary, scopes,
 * budget or decision, deciding the same 256 contexts as {@code GeneratedBundleBenchmark} with
 * {@code traffic=hot}, one thread. A consequence only counts its match. {@link #mode} chooses how a
 * decision meets the session; {@link #anc} whether Drools' alpha-network compiler replaced the alpha
 * network with generated Java. Compare with {@code GeneratedBundleBenchmark.evaluate} ({@code rules=10,
 * traffic=hot, cache=off}) in the same run: the difference is what the product adds around Drools.
 * The setup checks every mode's match count against the oracle for every context.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DroolsFloorBenchmark {
    /**
     * {@code fresh}: a new session per decision (insert the three parts the rules name, fire, dispose).
     * {@code reused}: one long-lived session (insert the three parts, fire, delete them).
     * {@code allParts}: reused, every part and the context itself inserted (six handles), as an engine
     * that does not look at what rules reference would.
     * {@code anchor}: reused, only {@code Action} inserted (one handle); the other patterns read their
     * part {@code from} the context (what the product's anchor planner does).
     * {@code oneFact}: reused, only the {@code ActionContext} inserted, conditions written on its parts'
     * paths ({@code ActionContext(action.name == ..., actor.type == ...)}), which alpha hashing cannot index.
     * {@code flat}: reused, one fact ({@link Flat}) with the action's name as a property of its own, so that
     * {@code Flat(actionName == ...)} is hashed as {@code Action(name == ...)} is, and the rule's other
     * conditions as further alpha constraints on the paths of the same fact: no join, no {@code from}.
     */
    @Param({"fresh", "reused", "allParts", "anchor", "oneFact", "flat"})
    public String mode;

    /** Rules in the bundle: {@code 10} (the floor); {@code 10000} shows whether a mode stays flat as rules grow (same traffic). */
    @Param({"10"})
    public int rules;

    @Param({"false", "true"})
    public boolean anc;

    /** The one fact of mode {@code flat}: the context, with its action's name as a property of its own. */
    public static final class Flat {
        private final ActionContext context;

        Flat(ActionContext context) {
            this.context = context;
        }

        public String getActionName() {
            return context.action().name();
        }

        public Actor getActor() {
            return context.actor();
        }

        public Resource getResource() {
            return context.resource();
        }
    }

    /** Read by the {@code from} patterns of mode {@code anchor}: the context being decided. */
    public static final class Current {
        public ActionContext context;
    }

    private KieBase kieBase;
    private KieSession session;
    private final Current current = new Current();
    private final List<String> matched = new ArrayList<>();
    private ActionContext[] contexts;
    private int next;

    @Setup(Level.Trial)
    public void build() {
        KieHelper helper = new KieHelper();
        helper.addContent(drl(mode, rules), ResourceType.DRL);
        kieBase = helper.build();
        if (anc) {
            KieBaseUpdaterANC.generateAndSetInMemoryANC(kieBase);
            long compiled = ((InternalKnowledgeBase) kieBase).getRete().getObjectTypeNodes().stream()
                    .filter(n -> n.getObjectSinkPropagator() instanceof CompiledNetwork).count();
            Assets.check(compiled > 0, "the alpha-network compiler replaced no object type node's network");
        }
        session = newSession();
        contexts = GeneratedBundle.contexts(rules, GeneratedBundleBenchmark.CONTEXTS, 2);
        for (int i = 0; i < contexts.length; i++) {
            int got = decide(contexts[i]);
            int want = GeneratedBundle.expected(rules, contexts[i]).matches();
            Assets.check(got == want, "mode " + mode + ", context " + i + ": " + got + " matches, the oracle says " + want);
            Assets.check(session.getFactCount() == 0, "mode " + mode + " left facts in the session");
        }
        System.out.printf("%n[setup] mode %s, alpha-network compiler %s: the %d contexts match as the oracle says%n",
                mode, anc ? "on" : "off", contexts.length);
    }

    @TearDown(Level.Trial)
    public void dispose() {
        session.dispose();
    }

    private KieSession newSession() {
        KieSession s = kieBase.newKieSession();
        s.setGlobal("matched", matched);
        if (mode.equals("anchor")) {
            s.setGlobal("current", current);
        }
        return s;
    }

    @Benchmark
    public int decide() {
        int i = next;
        next = (i + 1) & (GeneratedBundleBenchmark.CONTEXTS - 1);
        return decide(contexts[i]);
    }

    private int decide(ActionContext c) {
        matched.clear();
        switch (mode) {
            case "fresh" -> {
                KieSession s = newSession();
                s.insert(c.action());
                s.insert(c.actor());
                s.insert(c.resource());
                s.fireAllRules();
                s.dispose();
            }
            case "reused" -> {
                FactHandle a = session.insert(c.action());
                FactHandle b = session.insert(c.actor());
                FactHandle r = session.insert(c.resource());
                session.fireAllRules();
                session.delete(a);
                session.delete(b);
                session.delete(r);
            }
            case "allParts" -> {
                FactHandle[] h = {session.insert(c.action()), session.insert(c.actor()), session.insert(c.resource()),
                        session.insert(c.target()), session.insert(c.context()), session.insert(c)};
                session.fireAllRules();
                for (FactHandle f : h) {
                    session.delete(f);
                }
            }
            case "anchor" -> {
                current.context = c;
                FactHandle a = session.insert(c.action());
                session.fireAllRules();
                session.delete(a);
            }
            case "flat" -> {
                FactHandle a = session.insert(new Flat(c));
                session.fireAllRules();
                session.delete(a);
            }
            case "oneFact" -> {
                FactHandle a = session.insert(c);
                session.fireAllRules();
                session.delete(a);
            }
            default -> throw new IllegalArgumentException(mode);
        }
        return matched.size();
    }

    /** The rules of {@code GeneratedBundle.bundle(rules)} in plain DRL, their patterns written for {@code mode}. */
    static String drl(String mode, int rules) {
        StringBuilder drl = new StringBuilder("package floor\n\nimport dev.countersign.rules.model.*;\n"
                + "global java.util.List matched;\n");
        if (mode.equals("anchor")) {
            drl.append("global ").append(Current.class.getCanonicalName()).append(" current;\n");
        }
        drl.append("import ").append(Flat.class.getCanonicalName()).append(";\n");
        for (int i = 0; i < rules; i++) {
            String a = GeneratedBundle.actionName(i / GeneratedBundle.RULES_PER_ACTION);
            List<String[]> parts = new ArrayList<>();
            parts.add(new String[] {"Action", "action", "name == \"" + a + "\""});
            switch (i % GeneratedBundle.RULES_PER_ACTION) {
                case 0 -> parts.add(new String[] {"Actor", "actor", "type == \"agent\""});
                case 1 -> parts.add(new String[] {"Resource", "resource", "environment == \"production\""});
                case 2 -> parts.add(new String[] {"Resource", "resource", "classification memberOf (\"pii\", \"phi\", \"secret\", \"credentials\")"});
                default -> {
                    parts.add(new String[] {"Actor", "actor", "type == \"human\""});
                    parts.add(new String[] {"Resource", "resource", "environment == \"production\""});
                }
            }
            drl.append("\nrule \"r").append(i).append("\"\nwhen\n");
            if (mode.equals("oneFact") || mode.equals("flat")) {
                boolean flat = mode.equals("flat");
                drl.append(flat ? "    Flat( actionName == \"" + a + "\"" : "    ActionContext( action.name == \"" + a + "\"");
                for (int p = 1; p < parts.size(); p++) {
                    String[] part = parts.get(p);
                    drl.append(", ").append(part[1]).append(" != null, ").append(part[1]).append('.')
                            .append(part[2].replace("memberOf (", "in ("));
                }
                drl.append(" )\n");
            } else {
                for (int p = 0; p < parts.size(); p++) {
                    String[] part = parts.get(p);
                    drl.append("    ").append(part[0]).append("( ").append(part[2].replace("memberOf (", "in (")).append(" )");
                    if (mode.equals("anchor") && p > 0) {
                        drl.append(" from current.context.").append(part[1]).append("()");
                    }
                    drl.append('\n');
                }
            }
            drl.append("then\n    matched.add(\"r").append(i).append("\");\nend\n");
        }
        return drl.toString();
    }
}
