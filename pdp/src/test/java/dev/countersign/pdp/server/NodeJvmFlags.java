package dev.countersign.pdp.server;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The JVM flags a node process started by a test gets: those Hazelcast asks for on Java 17. */
public final class NodeJvmFlags {
    /** The parent pom's hazelcast.jvm.flags, for a test JVM that was not given them. */
    static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    private NodeJvmFlags() {
    }

    /** The test JVM's own module flags when it was given them, else {@link #HAZELCAST_FLAGS}. */
    public static List<String> forNodeProcess() {
        List<String> given = new ArrayList<>();
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")) {
                given.add(a);
                if (!a.contains("=") && i + 1 < args.size()) {
                    given.add(args.get(++i));
                }
            }
        }
        return given.stream().anyMatch(a -> a.startsWith("--add-modules")) ? given : HAZELCAST_FLAGS;
    }
}
