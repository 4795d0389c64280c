package dev.countersign.benchmarks;

import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.model.ActionContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The starter bundle ({@code policies/} at the top of the project) deciding eight realistic action
 * contexts in turn. The bundle directory comes from system property {@value #BUNDLE_PROPERTY}
 * (the run script passes the project's {@code policies} directory); relative paths are resolved
 * against the working directory. The bundle changes as it is written: the setup prints what each
 * input is decided, and fails if any evaluation errs or if no input matches a rule at all.
 *
 * <p>{@link #evaluate} is the engine on ready action contexts; {@link #jsonInJsonOut} is what the
 * server does per request: read the body, decide, write the decision.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StarterPoliciesBenchmark {
    static final String BUNDLE_PROPERTY = "countersign.bundle";

    /** Name, then the action-context JSON as a caller sends it. */
    static final String[][] INPUTS = {
            {"agent exports production PII to the US", """
                    {"actor":{"id":"agent:etl-7","type":"agent","roles":["data-engineer"],"on_behalf_of":"user:maria@example.com"},
                     "action":{"name":"data.export","command":"COPY crm.customers TO 's3://exports/c.parquet'","intent":"churn analysis","rows":120000},
                     "resource":{"type":"table","id":"crm.customers","classification":"pii","environment":"production","region":"eu-west-1","owner":"team:crm"},
                     "target":{"region":"us-east-1","endpoint":"s3://exports"},
                     "context":{"model_id":"model-7","compliance_tags":["gdpr"],"source_ip":"10.4.7.21"}}"""},
            {"person exports internal staging data within the EU", """
                    {"actor":{"id":"user:li@example.com","type":"human","roles":["analyst"]},
                     "action":{"name":"data.export","rows":800},
                     "resource":{"type":"table","id":"sales.pipeline","classification":"internal","environment":"staging","region":"eu-west-1"},
                     "target":{"region":"eu-central-1","endpoint":"s3://team-sales"}}"""},
            {"agent reads production PII", """
                    {"actor":{"id":"agent:support-bot","type":"agent","roles":["support"]},
                     "action":{"name":"data.read","intent":"answer a customer ticket"},
                     "resource":{"type":"table","id":"crm.customers","classification":"pii","environment":"production","region":"eu-west-1"},
                     "context":{"model_id":"model-7"}}"""},
            {"agent grants itself admin in production", """
                    {"actor":{"id":"agent:ops-3","type":"agent","roles":["operator"],"on_behalf_of":"user:sam@example.com"},
                     "action":{"name":"iam.role.grant","command":"grant admin to agent:ops-3","role":"admin"},
                     "resource":{"type":"iam-role","id":"admin","environment":"production","owner":"team:security"}}"""},
            {"person grants viewer in staging", """
                    {"actor":{"id":"user:ana@example.com","type":"human","roles":["engineer"]},
                     "action":{"name":"iam.role.grant","role":"viewer"},
                     "resource":{"type":"iam-role","id":"viewer","environment":"staging"}}"""},
            {"service deploys to production", """
                    {"actor":{"id":"service:ci","type":"service","roles":["deployer"]},
                     "action":{"name":"infra.deploy","command":"kubectl apply -f api.yaml","change_ticket":"CHG-1042"},
                     "resource":{"type":"service","id":"payments-api","environment":"production","region":"eu-west-1","owner":"team:payments"},
                     "context":{"source_ip":"10.1.0.4"}}"""},
            {"agent deploys a model trained on scraped data", """
                    {"actor":{"id":"agent:mlops","type":"agent","roles":["ml-engineer"]},
                     "action":{"name":"model.deploy","intent":"roll out the new ranking model"},
                     "resource":{"type":"model","id":"ranker-v9","environment":"production","classification":"internal"},
                     "context":{"model_id":"ranker-v9","dataset_origin":"scraped","compliance_tags":["eu-ai-act"]}}"""},
            {"agent deletes a staging bucket", """
                    {"actor":{"id":"agent:janitor","type":"agent"},
                     "action":{"name":"storage.bucket.delete"},
                     "resource":{"type":"bucket","id":"tmp-builds","environment":"staging"}}"""},
    };

    private static final ActionContextReader READER = new ActionContextReader();

    private CompiledPolicy policy;
    private ActionContext[] contexts;
    private byte[][] bodies;
    private int next;

    /**
     * {@code off}: every decision is evaluated by the rules (the engine's cost). {@code on}: the
     * compiled policy's decision cache answers a context it decided before; the fixed inputs here
     * repeat, so this measures cache hits.
     */
    @Param({"off", "on"})
    public String cache;

    @Setup(Level.Trial)
    public void setUp() throws InvalidPolicyException {
        Path dir = Path.of(System.getProperty(BUNDLE_PROPERTY, "policies")).toAbsolutePath().normalize();
        Assets.check(Files.isDirectory(dir), "the starter bundle " + dir + " is not a directory: pass its directory as -D"
                + BUNDLE_PROPERTY + "=<dir> (benchmarks/run passes the project's policies directory)");
        policy = Assets.compile(BundleLoader.load(dir), cache);
        contexts = new ActionContext[INPUTS.length];
        bodies = new byte[INPUTS.length][];
        int decidedByRules = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < INPUTS.length; i++) {
            bodies[i] = INPUTS[i][1].getBytes(StandardCharsets.UTF_8);
            contexts[i] = READER.read(bodies[i]);
            Decision d = policy.evaluate(contexts[i]);
            Assets.requireNoError(d, "input \"" + INPUTS[i][0] + "\"");
            boolean byDefault = d.reasons().size() == 1 && Reason.DEFAULT_RULE.equals(d.reasons().get(0).rule());
            decidedByRules += byDefault ? 0 : 1;
            report.append(String.format("[setup]   %-52s %-14s %s%n", INPUTS[i][0], d.verdict(),
                    d.reasons().stream().map(Reason::rule).toList()));
        }
        Assets.check(decidedByRules > 0, "no input matched any rule of the bundle in " + dir);
        System.out.printf("%n[setup] starter bundle: %d rules in %d packages; %d of %d inputs decided by rules%n%s",
                policy.rules().size(), policy.packages().size(), decidedByRules, INPUTS.length, report);
    }

    @TearDown(Level.Trial)
    public void retire() {
        policy.retire();
    }

    private int advance() {
        int i = next;
        next = (i + 1) & (INPUTS.length - 1);
        return i;
    }

    @Benchmark
    public Decision evaluate() {
        return policy.evaluate(contexts[advance()]);
    }

    @Benchmark
    public byte[] jsonInJsonOut() {
        return DecisionJson.toBytes(policy.evaluate(READER.read(bodies[advance()])));
    }
}
