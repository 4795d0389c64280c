package dev.countersign.cluster;

import com.hazelcast.spi.exception.SilentException;

/**
 * Shared state failed its seal: the entry was put or changed by something that does not hold the
 * cluster secret (a Hazelcast client, a foreign member, an edit). It is refused, never honoured, and
 * reported where it was found.
 */
public final class TamperedStateException extends IllegalStateException implements SilentException {
    private static final long serialVersionUID = 1L;
    private final String id;

    public TamperedStateException(String what, String id) {
        super(what + " " + id + " failed its integrity check: it was changed outside Countersign, so it is refused and reported");
        this.id = id;
    }

    /** The id of the entry that failed. */
    public String id() {
        return id;
    }
}
