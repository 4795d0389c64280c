package dev.countersign.rules.model;

import java.util.List;
import java.util.Map;

/**
 * Who acts: a human, a service or an agent, possibly on behalf of someone else.
 * {@code attributes} keeps the fields of {@code actor} that have no property of their own.
 */
public record Actor(String id, String type, List<String> roles, List<String> groups, String onBehalfOf,
                    Map<String, Object> attributes) implements Attributed {
    public Actor {
        roles = Parts.list(roles);
        groups = Parts.list(groups);
        attributes = Parts.attributes(attributes);
    }
}
