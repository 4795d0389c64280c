package dev.countersign.cluster.approval;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.query.Predicate;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.TamperedStateException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A query predicate that admits only what the member evaluating it would honour: a
 * {@link PendingApproval} under its own id that carries its seal. It is evaluated where the entries
 * are held and placed before every other part of a query that could fail on a foreign value (a
 * filter that never throws, such as {@link PendingAt}, may come first), so an entry put there by anything without
 * the cluster secret (of another type, lacking parts, unsealed) neither fails the query, its sort or
 * its page, nor takes a place in a page. When {@code report}, each entry it leaves out is refused as
 * tampered there: logged, and counted in that member's {@link dev.countersign.cluster.Tampering}.
 * Reads on behalf of a caller report; sweeps and gauges, which would count the same entry again at
 * every run, do not.
 *
 * <p>The member is injected where the predicate is deserialised; the node that submits it sets its
 * own ({@link #on}) for the partitions it evaluates in place. A member without a Countersign context
 * admits nothing.
 */
final class SealedApproval implements Predicate<String, PendingApproval>, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SealedApproval.class);

    private final boolean report;
    private transient HazelcastInstance member;

    private SealedApproval(boolean report) {
        this.report = report;
    }

    /** The predicate as evaluated on {@code member}, reporting what it leaves out when {@code report}. */
    static SealedApproval on(HazelcastInstance member, boolean report) {
        SealedApproval p = new SealedApproval(report);
        p.member = member;
        return p;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.member = hazelcastInstance;
    }

    @Override
    public boolean apply(Map.Entry<String, PendingApproval> entry) {
        MemberContext context = MemberContext.find(member);
        if (context == null) {
            return false;
        }
        Object key = null;
        Object value;
        try {
            key = entry.getKey();
            value = entry.getValue();
        } catch (RuntimeException undeserialisable) {
            value = null;
        }
        if (value instanceof PendingApproval a && key instanceof String id && id.equals(a.id()) && context.seal().holds(a)) {
            return true;
        }
        if (report) {
            TamperedStateException refusal = context.tampering().counted(new TamperedStateException("approval", String.valueOf(key)));
            LOG.error("{} (left out of a listing)", refusal.getMessage());
        }
        return false;
    }
}
