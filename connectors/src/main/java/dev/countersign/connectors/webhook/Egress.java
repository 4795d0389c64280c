package dev.countersign.connectors.webhook;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;

/**
 * Where a webhook may connect: the pdp's rules for requests the server makes on someone's behalf
 * (public addresses only unless listed, never cloud metadata, …), applied after DNS. For a URL it
 * answers the one address to connect to, and the request then goes to that very address, with the
 * URL's host as the {@code Host} header and TLS server name, so a name that re-resolves elsewhere
 * between check and connect gains nothing.
 *
 * <p>A failed future with {@link Refused} means the URL may not be contacted: the delivery fails
 * permanently and nothing is sent. Any other failure (the name did not resolve) is transient.
 * The answer must not block the event loop: DNS lookups go through {@link #blocking}.
 */
@FunctionalInterface
public interface Egress {
    /** The address to connect to for {@code url}, or a failure ({@link Refused} when it may not be contacted). */
    Future<InetAddress> resolve(URI url);

    /** A blocking check-and-resolve, such as the pdp's callback destination rules. */
    @FunctionalInterface
    interface Lookup {
        InetAddress resolve(URI url) throws Exception;
    }

    /** An egress running {@code lookup} on a worker thread, never on the event loop. */
    static Egress blocking(Vertx vertx, Lookup lookup) {
        return url -> vertx.executeBlocking(() -> lookup.resolve(url), false);
    }

    /** A destination the rules refuse: the message says which rule, without the URL's path or query. */
    final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message, null, false, false);
        }
    }
}
