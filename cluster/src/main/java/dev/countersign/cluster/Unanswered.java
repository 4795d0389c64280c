package dev.countersign.cluster;

import com.hazelcast.core.IndeterminateOperationState;
import com.hazelcast.core.IndeterminateOperationStateException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.spi.exception.RetryableException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import java.util.concurrent.TimeoutException;

/**
 * A call on shared state that the cluster did not answer: the member holding the entry was not
 * reachable in time (stopped, starved, cut off), left while the call was in flight, or was not (or no
 * longer) its holder. Not a fault of this node nor of the request: it is answered as the cluster being
 * unavailable for now, saying whether the change asked for may have been made.
 */
public final class Unanswered {
    private Unanswered() {
    }

    /** What the cluster could not answer in {@code failure} or one of its causes, or null when it is another failure. */
    public static Throwable in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (mayHaveApplied(cause) || cause instanceof RetryableException) {
                return cause;
            }
            if (cause.getCause() == cause) {
                return null;
            }
        }
        return null;
    }

    /**
     * Whether the call that failed with {@code unanswered} may have been applied by the holder all the
     * same: it was sent and no answer came (a timeout, the holder left or disconnected while it
     * ran). Every other unanswered call ({@link RetryableException}: the target was not a member or
     * not the partition's owner, the partition was migrating) was refused before it ran.
     */
    public static boolean mayHaveApplied(Throwable unanswered) {
        return unanswered instanceof OperationTimeoutException || unanswered instanceof IndeterminateOperationState
                || unanswered instanceof IndeterminateOperationStateException || unanswered instanceof TargetDisconnectedException
                || unanswered instanceof TimeoutException;
    }
}
