package dev.countersign.benchmarks;

import dev.countersign.rules.ApprovalRequirement;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.engine.DecisionIds;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.model.ActionContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a request costs outside the engine: reading a 523-byte action-context JSON body
 * ({@code contexts/agent-export.json}: an agent exporting production PII) with the wire reader, and
 * writing a decision with two reasons and an approval requirement as JSON. The engine's figures are
 * read against this one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JsonBaselineBenchmark {
    private final ActionContextReader reader = new ActionContextReader();
    private byte[] body;
    private Decision decision;

    @Setup(Level.Trial)
    public void setUp() {
        body = Assets.bytes("contexts/agent-export.json");
        int length = body.length;
        while (length > 0 && Character.isWhitespace(body[length - 1])) {
            length--;
        }
        body = java.util.Arrays.copyOf(body, length);
        ActionContext c = reader.read(body);
        Assets.check(c.action().name().equals("data.export") && c.actor() != null && c.resource() != null
                && c.target() != null && c.context() != null, "the sample body lost a part");
        decision = new Decision(DecisionIds.next(), Verdict.NEEDS_APPROVAL, List.of(
                new Reason("agents need approval for production exports", "policies.export", Verdict.NEEDS_APPROVAL,
                        "Agent export of production data", "export.drl:14"),
                new Reason("big exports", "policies.export", Verdict.NEEDS_APPROVAL, "big export", "export.drl:23")),
                ApprovalRequirement.of("data-governance", 1, Duration.ofHours(1))
                        .merge(ApprovalRequirement.of("security", 2, Duration.ofMinutes(30))),
                "sha256:3f2a9c0e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19");
        System.out.printf("%n[setup] action context: %d bytes in; decision: %d bytes out%n",
                body.length, DecisionJson.toBytes(decision).length);
    }

    /** Reads the body. */
    @Benchmark
    public ActionContext parse() {
        return reader.read(body);
    }

    /** Writes the decision. */
    @Benchmark
    public byte[] write() {
        return DecisionJson.toBytes(decision);
    }

    /** Both: the JSON work of one request. */
    @Benchmark
    public void parseAndWrite(Blackhole bh) {
        bh.consume(reader.read(body));
        bh.consume(DecisionJson.toBytes(decision));
    }
}
