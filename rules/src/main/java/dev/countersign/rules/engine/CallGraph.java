package dev.countersign.rules.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who calls whom among a bundle's DRL functions, or among its queries, by qualified name, with the
 * place of each call; {@link #reportCycles()} refuses every call through which its caller would
 * call itself again, at that call.
 */
final class CallGraph {
    /** One call: the callee, and where the call is written. */
    private record Call(String callee, SandboxFindings findings, int offset) {
    }

    private final String kind;
    private final String why;
    private final Set<String> declared = new TreeSet<>();
    private final Map<String, List<Call>> calls = new LinkedHashMap<>();

    /** A graph of {@code kind}s ("function", "query"); {@code why} ends each error. */
    CallGraph(String kind, String why) {
        this.kind = kind;
        this.why = why;
    }

    void declare(String name) {
        declared.add(name);
    }

    /**
     * {@code name} if declared, else a declared one of the same simple name in another package, else
     * {@code name}: the conservative reading of a call whose package is not written.
     */
    String resolve(String name) {
        if (declared.contains(name)) {
            return name;
        }
        String simple = simpleName(name);
        for (String d : declared) {
            if (simpleName(d).equals(simple)) {
                return d;
            }
        }
        return name;
    }

    /** Notes that {@code caller} calls {@code callee} at {@code offset} of the file {@code findings} reports on; undeclared callees are not ours. */
    void call(String caller, String callee, SandboxFindings findings, int offset) {
        if (declared.contains(callee)) {
            calls.computeIfAbsent(caller, c -> new ArrayList<>()).add(new Call(callee, findings, offset));
        }
    }

    /** Reports each call from which its caller is reached again, naming the way round. */
    void reportCycles() {
        for (Map.Entry<String, List<Call>> e : calls.entrySet()) {
            String caller = e.getKey();
            for (Call c : e.getValue()) {
                List<String> back = path(c.callee(), caller);
                if (back == null) {
                    continue;
                }
                String message;
                if (back.size() == 1) {
                    message = kind + " " + simpleName(caller) + " calls itself: " + why;
                } else {
                    List<String> round = new ArrayList<>(List.of(simpleName(caller)));
                    back.forEach(n -> round.add(simpleName(n)));
                    message = kind + " " + simpleName(caller) + " calls " + simpleName(c.callee()) + ", and the calls lead back to "
                            + simpleName(caller) + " (" + String.join(" → ", round) + "): " + why;
                }
                c.findings().error(c.offset(), message);
            }
        }
    }

    /** The shortest chain of calls from {@code from} to {@code to}, both included (just {@code [to]} when they are one), or null. */
    private List<String> path(String from, String to) {
        Map<String, String> cameFrom = new HashMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        cameFrom.put(from, null);
        while (!todo.isEmpty()) {
            String n = todo.removeFirst();
            if (n.equals(to)) {
                List<String> chain = new ArrayList<>();
                for (String at = n; at != null; at = cameFrom.get(at)) {
                    chain.add(0, at);
                }
                return chain;
            }
            for (Call c : calls.getOrDefault(n, List.of())) {
                if (!cameFrom.containsKey(c.callee())) {
                    cameFrom.put(c.callee(), n);
                    todo.addLast(c.callee());
                }
            }
        }
        return null;
    }

    private static String simpleName(String qualified) {
        return qualified.substring(qualified.lastIndexOf('.') + 1);
    }
}
