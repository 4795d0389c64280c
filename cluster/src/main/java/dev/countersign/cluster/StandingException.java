package dev.countersign.cluster;

import com.hazelcast.spi.exception.SilentException;

/**
 * This member, or the member holding the approval asked about, does not stand well enough in its
 * cluster to read or change approvals: it sees too few members, its clock disagrees with the
 * cluster's, or a member it was not told of has joined. An answer, not a fault: silent to Hazelcast's
 * operation log; the API answers 503 with {@link #code()} and the message.
 */
public class StandingException extends IllegalStateException implements SilentException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public StandingException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** A stable code for the API: {@code cluster_minority}, {@code clock_skew}, {@code unexpected_member}. */
    public String code() {
        return code;
    }
}
