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
        this(id, what + " " + id + " failed its integrity check: it was changed outside Countersign, so it is refused and reported", true);
    }

    private TamperedStateException(String id, String message, boolean withMessage) {
        super(message);
        this.id = id;
    }

    /** Approval {@code id} put back at {@code version}, older than the {@code newest} this member saw. */
    public static TamperedStateException rolledBack(String id, long version, long newest) {
        return new TamperedStateException(id, "approval " + id + " is back at version " + version + " after version " + newest
                + " was seen: an earlier state was put back outside Countersign, so it is refused and reported", true);
    }

    /** An operation on entry {@code id} that the node submitting it did not sign with the cluster secret. */
    public static TamperedStateException unsigned(String operation, String id) {
        return new TamperedStateException(id, "a " + operation + " of " + id + " was not signed with the cluster secret: it came from"
                + " outside Countersign, so it is refused and reported", true);
    }

    /**
     * The backup of a {@code kind} transition of entry {@code id}, submitted as an operation of its own
     * to the member that holds the entry (Countersign only ever sends one to a backup replica).
     */
    public static TamperedStateException backupAsOperation(String kind, String id) {
        return new TamperedStateException(id, "the backup of a " + kind + " of " + id + " was submitted as an operation of its own:"
                + " it was captured and sent again from outside Countersign, so it is refused and reported", true);
    }

    /** An answer about entry {@code id} (a {@code what} granted or counted) that the sealed state it came with does not record. */
    public static TamperedStateException unrecorded(String what, String id) {
        return new TamperedStateException(id, "the member holding " + id + " answered a " + what + " that the sealed approval it"
                + " returned does not record: the answer came from outside Countersign, so it is refused and reported", true);
    }

    /** The id of the entry that failed. */
    public String id() {
        return id;
    }
}
