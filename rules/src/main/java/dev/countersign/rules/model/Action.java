package dev.countersign.rules.model;

import java.util.Map;

/** What the actor wants to do: a dotted action name, the literal command and the stated intent. */
public record Action(String name, String command, String intent, Map<String, Object> attributes) implements Attributed {
    public Action {
        attributes = Parts.attributes(attributes);
    }
}
