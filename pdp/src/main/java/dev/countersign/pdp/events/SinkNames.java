package dev.countersign.pdp.events;

import dev.countersign.cluster.approval.PendingApproval;
import java.net.URI;

/**
 * The names of an approval's sinks: {@value #AUDIT} (this node's audit log), {@value #WAITERS}
 * (callers waiting on any node), {@code callback:<url>} per callback URL, and each chat or webhook
 * destination as its route spec ({@code slack:C0SECURITY}, {@code webhook:https://…}).
 */
public final class SinkNames {
    public static final String AUDIT = "audit";
    public static final String WAITERS = "waiters";

    private SinkNames() {
    }

    /** A sink's name as it may be shown (logs, audit records, the API): a URL without its path and query, which may hold a secret. */
    public static String shown(String sink) {
        int colon = sink.indexOf(':');
        if (colon < 0 || !sink.startsWith("http", colon + 1)) {
            return sink;
        }
        String kind = sink.substring(0, colon);
        try {
            URI uri = new URI(sink.substring(colon + 1));
            boolean more = (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null;
            return kind + ":" + uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + (more ? "/…" : "");
        } catch (Exception e) {
            return kind + ":(a URL)";
        }
    }

    /** The callback URL a sink stands for, or null when it is no callback. */
    public static String callbackUrl(String sink) {
        return sink.startsWith(PendingApproval.CALLBACK_SINK) ? sink.substring(PendingApproval.CALLBACK_SINK.length()) : null;
    }
}
