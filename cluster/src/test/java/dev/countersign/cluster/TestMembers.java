package dev.countersign.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real Hazelcast members in one JVM, each configured as a node configures its own
 * ({@link ClusterSettings#applyTo}): one cluster name, one secret, the listed addresses on loopback.
 * The list holds spare addresses too, so that a member restarted on a fresh port is still one the
 * others were told of.
 */
public final class TestMembers {
    private static final int SPARES = 6;
    public final String cluster = "members-" + UUID.randomUUID();
    public final ClusterSecret secret = ClusterSecret.generate();
    /** Every address a member may have, spares included. */
    public final List<String> addresses = new ArrayList<>();
    private final int[] current;
    private int nextSpare;
    private final Clock clock;

    public TestMembers(int count, Clock clock) throws IOException {
        this.clock = clock;
        this.current = new int[count];
        for (int i = 0; i < count + SPARES; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        for (int i = 0; i < count; i++) {
            current[i] = i;
        }
        nextSpare = count;
    }

    /** The settings of member {@code i}; {@code min} members needed for approvals. */
    public ClusterSettings settings(int i, int min) {
        return new ClusterSettings(cluster, "127.0.0.1", port(i), addresses, null, min);
    }

    public int port(int i) {
        String address = addresses.get(current[i]);
        return Integer.parseInt(address.substring(address.indexOf(':') + 1));
    }

    /** Starts member {@code i} with {@code settings}; a restarted member gets a new port first. */
    public HazelcastInstance start(int i, ClusterSettings settings) {
        return start(i, settings, null);
    }

    /** Starts member {@code i} with {@code settings}, its approval state written through to {@code store} (null: none). */
    public HazelcastInstance start(int i, ClusterSettings settings, dev.countersign.cluster.store.ApprovalDatabase store) {
        Config config = settings.applyTo(new Config(), secret, clock, store);
        config.setInstanceName(cluster + "-" + i + "-" + settings.port());
        return Hazelcast.newHazelcastInstance(config);
    }

    /** Moves member {@code i} to a spare address (before restarting it). */
    public void renumber(int i) {
        if (nextSpare >= addresses.size()) {
            throw new IllegalStateException("no spare address left for a restarted member");
        }
        current[i] = nextSpare++;
    }

    /** Replaces what {@code member} knows of its standing, for a test that needs it to stand otherwise. */
    public static void stand(HazelcastInstance member, Standing standing) {
        MemberContext current = MemberContext.of(member);
        member.getUserContext().put(MemberContext.KEY, new MemberContext(current.seal(), current.clock(), standing, current.freshness(),
                current.tampering()));
    }

    private static final int FIRST_PORT = 20_000;
    private static final int PORTS_TRIED = 12_000;
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
            new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(PORTS_TRIED));

    /**
     * A free TCP port on 127.0.0.1, for members that must know each other's ports up front. Taken below
     * the kernel's ephemeral range (32768 and up), so that no outgoing connection is given it between
     * this call and its use, and never the same twice in one JVM.
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < PORTS_TRIED; attempt++) {
            int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS_TRIED);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // another process has it: the next one
            }
        }
        throw new IOException("no free port from " + FIRST_PORT + " to " + (FIRST_PORT + PORTS_TRIED - 1));
    }

    /**
     * Waits until every running member sees {@code size} members, every partition is backed up, and
     * every member of a Countersign member has shown its proof.
     */
    public static void awaitSafe(List<HazelcastInstance> members, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (HazelcastInstance m : members) {
                ok &= m.getLifecycleService().isRunning() && m.getCluster().getMembers().size() == size
                        && m.getPartitionService().isClusterSafe();
            }
            for (HazelcastInstance m : members) {
                if (ok && m.getUserContext().get(MemberContext.KEY) instanceof MemberContext c) {
                    c.standing().proven(m);   // publishes its own proof
                }
            }
            for (HazelcastInstance m : members) {
                ok &= !(m.getUserContext().get(MemberContext.KEY) instanceof MemberContext c) || c.standing().proven(m);
            }
            if (ok) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the members did not form a safe cluster of " + size);
    }
}
