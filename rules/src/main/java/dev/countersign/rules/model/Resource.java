package dev.countersign.rules.model;

import java.util.Map;

/** What the action touches. */
public record Resource(String type, String id, String classification, String environment, String region,
                       String owner, Map<String, Object> attributes) implements Attributed {
    public Resource {
        attributes = Parts.attributes(attributes);
    }
}
