package dev.countersign.connectors;

import java.io.Serializable;
import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a connector sends: its kind ({@code slack}, {@code webhook}) and a target it has validated
 * (a Slack channel or user id, a webhook URL). Made by {@link Connector#destination(String)} from a
 * route's spec, {@code kind:target} ({@code slack:C0SECURITY}, {@code webhook:https://hooks.example.com/x}).
 *
 * <p>{@code toString} shows a URL target without its path and query, which may carry a secret.
 */
public record Destination(String kind, String target) implements Serializable {
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9]*");

    public Destination {
        Objects.requireNonNull(kind, "a destination needs a kind");
        Objects.requireNonNull(target, "a destination needs a target");
        if (!KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("a destination kind is lowercase letters and digits, such as slack");
        }
    }

    /**
     * The kind a route spec names: the part before its first {@code :}, by which the caller picks
     * the connector to hand the spec to.
     *
     * @throws IllegalArgumentException when the spec names no kind
     */
    public static String kindOf(String spec) {
        int colon = spec == null ? -1 : spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("a destination is kind:target, such as slack:C0123456789 or webhook:https://hooks.example.com/countersign");
        }
        return spec.substring(0, colon);
    }

    /** The route spec of this destination, {@code kind:target}. */
    public String spec() {
        return kind + ":" + target;
    }

    @Override
    public String toString() {
        return kind + ":" + shown(target);
    }

    /** A URL without its path and query (they may carry a secret); anything else as it is. */
    static String shown(String target) {
        if (!target.startsWith("http://") && !target.startsWith("https://")) {
            return target;
        }
        try {
            URI uri = new URI(target);
            String rest = (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null ? "" : "/…";
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + rest;
        } catch (Exception e) {
            return "(a URL)";
        }
    }
}
