package dev.countersign.rules.engine;

import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;

/**
 * The one fact that the rules {@link FlatPlanner} rewrote match: the action context under evaluation,
 * with its action's name as a property of its own ({@code actionName}), so that
 * {@code FlatContext( actionName == "data.export", ... )} is hashed by the alpha network as
 * {@code Action( name == "data.export" )} is, and the rule's other conditions are alpha constraints on
 * the parts ({@code actor!.type == "agent"}): no join and no {@code from} per decision. A view, made per
 * evaluation; rules cannot name it (it is not vocabulary), only the engine's rewrite does.
 */
public final class FlatContext {
    private final ActionContext context;

    FlatContext(ActionContext context) {
        this.context = context;
    }

    public String getActionName() {
        return context.action().name();
    }

    public Action getAction() {
        return context.action();
    }

    /** The actor, or null when the caller sent none (a null-safe path then matches nothing). */
    public Actor getActor() {
        return context.actor();
    }

    public Resource getResource() {
        return context.resource();
    }

    public Target getTarget() {
        return context.target();
    }

    public Context getContext() {
        return context.context();
    }

    @Override
    public String toString() {
        return "FlatContext[" + context + "]";
    }
}
