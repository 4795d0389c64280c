package dev.countersign.cluster.store;

import dev.countersign.cluster.StandingException;

/**
 * The durable store could not take a change (or give back what it holds), so the change was not
 * made: nothing was acknowledged that a restart could lose. An answer, not a fault: the API answers
 * 503 {@code store_unavailable} with Retry-After; the store's health says why.
 */
public final class StoreUnavailableException extends StandingException {
    private static final long serialVersionUID = 1L;
    public static final String CODE = "store_unavailable";

    public StoreUnavailableException(String message) {
        super(CODE, message);
    }
}
