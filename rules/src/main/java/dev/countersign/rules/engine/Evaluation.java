package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.model.ActionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kie.api.definition.rule.Rule;
import org.kie.api.event.rule.AfterMatchFiredEvent;
import org.kie.api.event.rule.AgendaEventListener;
import org.kie.api.event.rule.DefaultAgendaEventListener;

/**
 * The state of one evaluation on the calling thread: the action context being decided (read by the
 * context-part data providers), the rule whose consequence is running (set by
 * {@link Verdicts#enter}, cleared when the consequence returns), and what consequences said. Rule consequences run on the thread that
 * called {@code fireAllRules}, which is what lets the bare helpers of {@link Verdicts} find it.
 */
final class Evaluation {
    private static final ThreadLocal<Evaluation> CURRENT = new ThreadLocal<>();

    /** Tells the evaluation that a consequence has returned; added to every session. */
    static final AgendaEventListener CONSEQUENCE_ENDS = new DefaultAgendaEventListener() {
        @Override
        public void afterMatchFired(AfterMatchFiredEvent event) {
            current().firing = null;
        }
    };

    /** One thing a consequence said. */
    record Outcome(RuleRef rule, Verdict verdict, String message, ApprovalRequirement approval) {
    }

    final ActionContext context;
    final Map<Rule, RuleRef> rules;
    final Evaluation previous;
    /** The rule whose consequence is running; null between consequences. */
    RuleRef firing;
    final List<Outcome> outcomes = new ArrayList<>(4);

    private Evaluation(ActionContext context, Map<Rule, RuleRef> rules, Evaluation previous) {
        this.context = context;
        this.rules = rules;
        this.previous = previous;
    }

    static Evaluation begin(ActionContext context, Map<Rule, RuleRef> rules) {
        Evaluation e = new Evaluation(context, rules, CURRENT.get());
        CURRENT.set(e);
        return e;
    }

    void end() {
        CURRENT.set(previous);
    }

    static Evaluation current() {
        Evaluation e = CURRENT.get();
        if (e == null) {
            throw new IllegalStateException("allow, deny and requireApproval may only be called from a rule's consequence");
        }
        return e;
    }

    void record(Verdict verdict, String message, ApprovalRequirement approval) {
        outcomes.add(new Outcome(firing, verdict, message, approval));
    }
}
