package dev.countersign.pdp.http;

import dev.countersign.pdp.approval.ApprovalIds;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An AuthZEN 1.0 access evaluation request read as an action context, exactly so:
 * {@code subject.type}, {@code subject.id} → {@code actor.type}, {@code actor.id} (unchanged);
 * {@code subject.properties.roles} (a list of strings) → {@code actor.roles}, its other properties →
 * actor attributes; {@code action.name} unchanged, its properties → action attributes;
 * {@code resource.type}, {@code resource.id} unchanged, {@code resource.properties.owner} (a string)
 * → {@code resource.owner}, its other properties → resource attributes; every member of
 * {@code context} → a context attribute, as sent (a {@code time} string is not read as the
 * context's time), except {@code context.approval_id}, the approval a retry redeems; a context
 * with no other member is no context, so that the retry decides the very action that was held.
 * Members of the request other than these four are ignored, as the specification requires.
 */
public final class AuthZenMapping {
    static final String APPROVAL_ID = "approval_id";
    private static final List<String> PARTS = List.of("subject", "action", "resource");

    private AuthZenMapping() {
    }

    /** One evaluation: its action context, and the approval it redeems (null for none). */
    public record Evaluation(ActionContext context, String approvalId) {
    }

    /**
     * Reads {@code request} (subject, action, resource, context) as an evaluation. A part missing, not
     * an object, or lacking a required string is a 400 naming its JSON pointer, under {@code at} (the
     * pointer of the request: "" for a single evaluation, {@code /evaluations/2} in a batch).
     */
    public static Evaluation read(Map<String, Object> request, String at) {
        for (String part : PARTS) {
            Object value = request.get(part);
            if (value == null) {
                throw invalid(at + "/" + part, "the request has no " + part + " (subject, action and resource are required)");
            }
            if (!(value instanceof Map<?, ?>)) {
                throw invalid(at + "/" + part, "expected an object, got " + kind(value));
            }
        }
        Map<String, Object> subject = object(request, "subject");
        Map<String, Object> action = object(request, "action");
        Map<String, Object> resource = object(request, "resource");

        Map<String, Object> subjectProperties = properties(subject, at + "/subject");
        List<String> roles = roles(subjectProperties.remove("roles"), at + "/subject/properties/roles");
        Actor actor = new Actor(required(subject, "id", at + "/subject"), required(subject, "type", at + "/subject"), roles, List.of(),
                null, subjectProperties);

        String name = required(action, "name", at + "/action");
        Action act = new Action(name, null, null, properties(action, at + "/action"));

        Map<String, Object> resourceProperties = properties(resource, at + "/resource");
        Object owner = resourceProperties.remove("owner");
        if (owner != null && !(owner instanceof String)) {
            throw invalid(at + "/resource/properties/owner", "expected a string (it is read as resource.owner), got " + kind(owner));
        }
        Resource res = new Resource(required(resource, "type", at + "/resource"), required(resource, "id", at + "/resource"), null, null,
                null, (String) owner, resourceProperties);

        Object contextValue = request.get("context");
        Context context = null;
        String approvalId = null;
        if (contextValue != null) {
            if (!(contextValue instanceof Map<?, ?>)) {
                throw invalid(at + "/context", "expected an object, got " + kind(contextValue));
            }
            Map<String, Object> attributes = new LinkedHashMap<>(object(request, "context"));
            Object id = attributes.remove(APPROVAL_ID);
            if (id != null && !(id instanceof String text && ApprovalIds.looksValid(text))) {
                throw invalid(at + "/context/" + APPROVAL_ID, "expected an approval id, \"apr_\" and 26 lowercase letters and digits");
            }
            approvalId = (String) id;
            context = attributes.isEmpty() ? null : new Context(null, null, null, null, null, attributes);
        }
        return new Evaluation(new ActionContext(actor, act, res, null, context, Map.of()), approvalId);
    }

    /**
     * The request of item {@code item} of a batch: each of subject, action, resource and context
     * the item gives replaces the default of the same name whole; the others are the defaults.
     */
    public static Map<String, Object> merged(Map<String, Object> defaults, Map<String, Object> item) {
        Map<String, Object> request = new LinkedHashMap<>();
        for (String part : List.of("subject", "action", "resource", "context")) {
            Object value = item.containsKey(part) ? item.get(part) : defaults.get(part);
            if (value != null) {
                request.put(part, value);
            }
        }
        return request;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String name) {
        return (Map<String, Object>) parent.get(name);
    }

    private static String required(Map<String, Object> part, String field, String at) {
        Object value = part.get(field);
        if (value == null) {
            throw invalid(at + "/" + field, "missing: " + at.substring(at.lastIndexOf('/') + 1) + "." + field + " is required");
        }
        if (!(value instanceof String text)) {
            throw invalid(at + "/" + field, "expected a string, got " + kind(value));
        }
        return text;
    }

    /** A copy of the part's {@code properties} (empty when absent), to take mapped members out of. */
    private static Map<String, Object> properties(Map<String, Object> part, String at) {
        Object value = part.get("properties");
        if (value == null) {
            return new LinkedHashMap<>();
        }
        if (!(value instanceof Map<?, ?>)) {
            throw invalid(at + "/properties", "expected an object, got " + kind(value));
        }
        return new LinkedHashMap<>(object(part, "properties"));
    }

    private static List<String> roles(Object value, String at) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw invalid(at, "expected a list of strings (read as actor.roles), got " + kind(value));
        }
        List<String> roles = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String role)) {
                throw invalid(at + "/" + i, "expected a string (a role), got " + kind(list.get(i)));
            }
            roles.add(role);
        }
        return roles;
    }

    static ApiError invalid(String pointer, String message) {
        return ApiError.badRequest("invalid_input", pointer + ": " + message, pointer);
    }

    static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof List<?>) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }
}
