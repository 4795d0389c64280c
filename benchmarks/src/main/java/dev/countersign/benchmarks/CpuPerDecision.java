package dev.countersign.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The CPU time one thread spends per decision, for the engine benchmarks, read from the thread's own
 * CPU clock ({@link ThreadMXBean#getCurrentThreadCpuTime}) rather than the wall clock: on a machine
 * other work shares, a thread that waits for a core is not charged for the wait, so the figures and
 * their ratios hold up where JMH's throughput swings with the other work. (The caches other work
 * thrashes still count.) Each named case is set up by its JMH state class, whose trial setup checks
 * the answers before anything is timed; then the cases are timed in turn, round after round, and the
 * median of the rounds is printed with its ratio to the first case.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.countersign.benchmarks.CpuPerDecision [--ops N] [--rounds R] case...
 *   rbac:countersign rbac:countersignJson rbac:opaWasm rbac:authzforce rbac:jcasbin
 *   generated:RULES:TRAFFIC          GeneratedBundleBenchmark with the cache off (traffic all or hot)
 *   floor:MODE[:anc][:RULES]         DroolsFloorBenchmark
 * </pre>
 */
public final class CpuPerDecision {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuPerDecision() {
    }

    public static void main(String[] args) {
        int ops = 200_000;
        int rounds = 5;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> names.add(args[i]);
            }
        }
        Map<String, IntSupplier> cases = new LinkedHashMap<>();
        for (String name : names) {
            cases.put(name, setUp(name));
        }
        Map<String, long[]> nanos = new LinkedHashMap<>();
        for (String n : cases.keySet()) {
            nanos.put(n, new long[rounds]);
        }
        long sink = 0;
        for (IntSupplier op : cases.values()) { // warm-up: each case as long as one round, twice
            for (int i = 0; i < 2 * ops; i++) {
                sink += op.getAsInt();
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, IntSupplier> c : cases.entrySet()) {
                IntSupplier op = c.getValue();
                long start = THREADS.getCurrentThreadCpuTime();
                for (int i = 0; i < ops; i++) {
                    sink += op.getAsInt();
                }
                nanos.get(c.getKey())[r] = THREADS.getCurrentThreadCpuTime() - start;
            }
        }
        double first = -1;
        System.out.printf("%n%-32s %12s %14s %10s%n", "case", "CPU ns/op", "decisions/CPU-s", "÷ first");
        for (Map.Entry<String, long[]> e : nanos.entrySet()) {
            long[] t = e.getValue().clone();
            Arrays.sort(t);
            double perOp = (double) t[t.length / 2] / ops;
            first = first < 0 ? perOp : first;
            System.out.printf("%-32s %12.0f %,14.0f %10.2f%n", e.getKey(), perOp, 1e9 / perOp, perOp / first);
        }
        System.out.println("(median of " + rounds + " rounds of " + ops + " operations each; checksum " + (sink & 0xff) + ")");
    }

    private static IntSupplier setUp(String name) {
        String[] p = name.split(":");
        switch (p[0]) {
            case "rbac" -> {
                RbacPeerBenchmark b = new RbacPeerBenchmark();
                b.setUp();
                return switch (p[1]) {
                    case "countersign" -> () -> b.countersign().reasons().size();
                    case "countersignJson" -> () -> b.countersignJson().length;
                    case "opaWasm" -> () -> b.opaWasm().length();
                    case "authzforce" -> () -> b.authzforce() ? 1 : 0;
                    case "jcasbin" -> () -> b.jcasbin() ? 1 : 0;
                    default -> throw new IllegalArgumentException("no RBAC engine " + p[1]);
                };
            }
            case "generated" -> {
                GeneratedBundleBenchmark b = new GeneratedBundleBenchmark();
                b.rules = Integer.parseInt(p[1]);
                b.traffic = p[2];
                b.cache = "off";
                b.compile();
                GeneratedBundleBenchmark.Cursor cursor = new GeneratedBundleBenchmark.Cursor();
                return () -> b.evaluate(cursor).reasons().size();
            }
            case "floor" -> {
                DroolsFloorBenchmark b = new DroolsFloorBenchmark();
                b.mode = p[1];
                b.anc = p.length > 2 && p[2].equals("anc");
                b.rules = p.length > 3 ? Integer.parseInt(p[3]) : p.length > 2 && !p[2].equals("anc") ? Integer.parseInt(p[2]) : 10;
                b.build();
                return b::decide;
            }
            default -> throw new IllegalArgumentException("unknown case " + name);
        }
    }
}
