package dev.countersign.rules.engine;

import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.util.function.Function;

/** The facts a rule can match: the parts of an action context, and the whole of it. */
enum Part {
    ACTOR(Actor.class, ActionContext::actor),
    ACTION(Action.class, ActionContext::action),
    RESOURCE(Resource.class, ActionContext::resource),
    TARGET(Target.class, ActionContext::target),
    CONTEXT(Context.class, ActionContext::context),
    ACTION_CONTEXT(ActionContext.class, c -> c);

    private static final Part[] ALL = values();

    final Class<?> type;
    private final Function<ActionContext, Object> accessor;

    Part(Class<?> type, Function<ActionContext, Object> accessor) {
        this.type = type;
        this.accessor = accessor;
    }

    /** This part of {@code context}, or null when the caller did not send it. */
    Object of(ActionContext context) {
        return accessor.apply(context);
    }

    /** The part a pattern's type names, written simply ({@code Actor}) or fully qualified; null for other types. */
    static Part forTypeName(String name) {
        if (name == null) {
            return null;
        }
        for (Part p : ALL) {
            if (p.type.getSimpleName().equals(name) || p.type.getName().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
