package dev.countersign.rules.engine;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Reason;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.util.Collection;
import java.util.Map;

/**
 * An estimate, in bytes, of the heap a cached decision keeps reachable: its action context (the key)
 * and its verdict, reasons and approval requirement (the answer). It errs high: every string is
 * counted at two bytes a character with its own header, as if nothing were shared, so a cache kept
 * under its byte bound by these estimates is under it in fact. Values nested deeper than
 * {@value #MAX_DEPTH} levels are counted at {@value #DEEP_VALUE} bytes each, which the request's
 * own depth limit keeps from mattering.
 */
final class EntrySize {
    static final int MAX_DEPTH = 64;
    static final long DEEP_VALUE = 1024;
    private static final long OBJECT = 16;
    private static final long REFERENCE = 8;
    private static final long STRING = 40;
    private static final long MAP_ENTRY = 48;
    private static final long BOXED = 24;

    private EntrySize() {
    }

    /** The estimated bytes of one cache entry: its key, its answer and the map's own entry. */
    static long of(ActionContext context, String scope, DecisionCache.Answer answer) {
        long size = MAP_ENTRY + OBJECT + 3 * REFERENCE + string(scope) + context(context);
        size += OBJECT + 3 * REFERENCE + OBJECT + REFERENCE * answer.reasons().size();
        for (Reason r : answer.reasons()) {
            size += OBJECT + 5 * REFERENCE + string(r.rule()) + string(r.packageName()) + string(r.message()) + string(r.source())
                    + value(r.controls(), 0);
        }
        ApprovalRequirement a = answer.approval();
        if (a != null) {
            size += OBJECT + 3 * REFERENCE + value(a.groups(), 0) + value(a.quorum(), 0) + OBJECT + 16;
        }
        return size;
    }

    private static long context(ActionContext c) {
        long size = OBJECT + 6 * REFERENCE + map(c.attributes(), 0);
        Actor actor = c.actor();
        if (actor != null) {
            size += OBJECT + 6 * REFERENCE + string(actor.id()) + string(actor.type()) + value(actor.roles(), 0)
                    + value(actor.groups(), 0) + string(actor.onBehalfOf()) + map(actor.attributes(), 0);
        }
        Action action = c.action();
        size += OBJECT + 4 * REFERENCE + string(action.name()) + string(action.command()) + string(action.intent())
                + map(action.attributes(), 0);
        Resource resource = c.resource();
        if (resource != null) {
            size += OBJECT + 7 * REFERENCE + string(resource.type()) + string(resource.id()) + string(resource.classification())
                    + string(resource.environment()) + string(resource.region()) + string(resource.owner())
                    + map(resource.attributes(), 0);
        }
        Target target = c.target();
        if (target != null) {
            size += OBJECT + 3 * REFERENCE + string(target.region()) + string(target.endpoint()) + map(target.attributes(), 0);
        }
        Context context = c.context();
        if (context != null) {
            size += OBJECT + 6 * REFERENCE + string(context.modelId()) + string(context.datasetOrigin())
                    + value(context.complianceTags(), 0) + string(context.sourceIp()) + (context.time() == null ? 0 : 3 * OBJECT + 32)
                    + map(context.attributes(), 0);
        }
        return size;
    }

    private static long string(String s) {
        return s == null ? 0 : STRING + 2L * s.length();
    }

    private static long map(Map<?, ?> m, int depth) {
        if (m == null || m.isEmpty()) {
            return 0;
        }
        long size = 64 + 8L * m.size();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            size += MAP_ENTRY + value(e.getKey(), depth + 1) + value(e.getValue(), depth + 1);
        }
        return size;
    }

    private static long value(Object v, int depth) {
        if (v == null) {
            return 0;
        }
        if (depth > MAX_DEPTH) {
            return DEEP_VALUE;
        }
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof Map<?, ?> m) {
            return map(m, depth);
        }
        if (v instanceof Collection<?> list) {
            long size = 40 + REFERENCE * list.size();
            for (Object item : list) {
                size += value(item, depth + 1);
            }
            return size;
        }
        if (v instanceof java.math.BigDecimal d) {
            return BOXED + 40 + d.unscaledValue().bitLength() / 8;
        }
        if (v instanceof java.math.BigInteger i) {
            return 40 + i.bitLength() / 8;
        }
        return BOXED;   // Boolean, Long, Double and the other scalars a context holds
    }
}
