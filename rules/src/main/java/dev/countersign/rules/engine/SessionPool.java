package dev.countersign.rules.engine;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.kie.api.runtime.KieSession;

/**
 * Reusable sessions of one compiled policy, striped by thread so that a thread usually gets back the
 * session it used last without contention. A session is used by one thread at a time. After
 * {@link #retire()}, returned sessions are disposed instead of kept, so a swapped-out policy frees
 * its sessions as in-flight evaluations finish.
 */
final class SessionPool {
    private static final int SLOTS = 64;
    private static final int PROBES = 4;

    private final AtomicReferenceArray<KieSession> slots = new AtomicReferenceArray<>(SLOTS);
    private final Supplier<KieSession> factory;
    private volatile boolean retired;

    SessionPool(Supplier<KieSession> factory) {
        this.factory = factory;
    }

    KieSession borrow() {
        int home = home();
        for (int i = 0; i < PROBES; i++) {
            KieSession s = slots.getAndSet((home + i) & (SLOTS - 1), null);
            if (s != null) {
                return s;
            }
        }
        return factory.get();
    }

    void release(KieSession session) {
        if (!retired) {
            int home = home();
            for (int i = 0; i < PROBES; i++) {
                if (slots.compareAndSet((home + i) & (SLOTS - 1), null, session)) {
                    if (retired) {
                        drain();
                    }
                    return;
                }
            }
        }
        session.dispose();
    }

    /** Disposes pooled sessions now and every session returned from now on. */
    void retire() {
        retired = true;
        drain();
    }

    private void drain() {
        for (int i = 0; i < SLOTS; i++) {
            KieSession s = slots.getAndSet(i, null);
            if (s != null) {
                s.dispose();
            }
        }
    }

    @SuppressWarnings("deprecation")
    private static int home() {
        long id = Thread.currentThread().getId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 58);
    }
}
