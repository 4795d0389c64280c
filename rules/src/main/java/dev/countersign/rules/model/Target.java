package dev.countersign.rules.model;

import java.util.Map;

/** Where the action sends something, when it does: a region and an endpoint. */
public record Target(String region, String endpoint, Map<String, Object> attributes) implements Attributed {
    public Target {
        attributes = Parts.attributes(attributes);
    }
}
