package dev.countersign.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.styra.opa.wasm.OpaPolicy;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.casbin.jcasbin.main.Enforcer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.ow2.authzforce.core.pdp.api.DecisionRequest;
import org.ow2.authzforce.core.pdp.impl.BasePdpEngine;

/**
 * The same policy on four engines in the same run: the OPA playground's RBAC example compiled to
 * Wasm and run by opa-java-wasm in its compiled mode (Wasm translated to JVM bytecode), the same
 * semantics as a Countersign rule file ({@code rbac/rbac.drl}) over the same data document, as a
 * XACML 3.0 policy on AuthzForce CE and as a jCasbin RBAC model and policy ({@link RbacPeers}). Four
 * inputs, taken in turn: alice/update/finance (allow, admin), eve/update/dog (deny),
 * bob/update/finance (allow, grant of role billing), eve/read/finance (deny).
 *
 * <p>The Wasm ABI takes JSON in and gives JSON out, so {@link #opaWasm} includes writing the input
 * into the module's memory, the module parsing it and serialising its result. {@link #countersign}
 * is the engine alone on a ready action context; {@link #countersignJson} adds what a server does
 * around it (read the action-context JSON, write the decision JSON), which is the fair comparison
 * with the Wasm call. {@link #authzforce} and {@link #jcasbin} are those engines alone on their own
 * ready requests (a built XACML request; the three strings), as {@link #countersign} is on a ready
 * action context. The trial setup checks that every engine gives each example's expected answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RbacPeerBenchmark {
    static final String ENTRYPOINT = "app/rbac/allow";
    static final String[][] EXAMPLES = {
            // user, action, type, expected allow
            {"alice", "update", "finance", "true"},
            {"eve", "update", "dog", "false"},
            {"bob", "update", "finance", "true"},
            {"eve", "read", "finance", "false"},
    };

    private static final ActionContextReader READER = new ActionContextReader();

    private OpaPolicy opa;
    private BasePdpEngine authzforce;
    private DecisionRequest[] xacmlRequests;
    private Enforcer casbin;
    private CompiledPolicy countersign;
    private String[] opaInputs;
    private ActionContext[] contexts;
    private byte[][] contextJson;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] data = Assets.bytes("peers/opa-rbac-data.json");
        opa = OpaPolicy.builder().withPolicy(Assets.bytes("peers/opa-rbac.wasm")).build();
        opa.entrypoint(ENTRYPOINT).data(new String(data, StandardCharsets.UTF_8));

        Map<String, byte[]> files = new TreeMap<>();
        files.put("rbac.drl", Assets.bytes("rbac/rbac.drl"));
        files.put("data.json", data);
        countersign = Assets.compile(BundleLoader.fromFiles(files));

        authzforce = RbacPeers.authzforce();
        casbin = RbacPeers.casbin();
        xacmlRequests = new DecisionRequest[EXAMPLES.length];

        opaInputs = new String[EXAMPLES.length];
        contexts = new ActionContext[EXAMPLES.length];
        contextJson = new byte[EXAMPLES.length][];
        for (int i = 0; i < EXAMPLES.length; i++) {
            String[] e = EXAMPLES[i];
            opaInputs[i] = "{\"user\":\"" + e[0] + "\",\"action\":\"" + e[1] + "\",\"type\":\"" + e[2] + "\"}";
            contextJson[i] = ("{\"actor\":{\"id\":\"" + e[0] + "\"},\"action\":{\"name\":\"" + e[1]
                    + "\"},\"resource\":{\"type\":\"" + e[2] + "\"}}").getBytes(StandardCharsets.UTF_8);
            contexts[i] = READER.read(contextJson[i]);

            boolean want = Boolean.parseBoolean(e[3]);
            boolean wasm = opaAllows(opa.evaluate(opaInputs[i]));
            Decision d = countersign.evaluate(contexts[i]);
            Assets.requireNoError(d, "example " + String.join("/", e[0], e[1], e[2]));
            boolean drl = d.verdict() == Verdict.ALLOW;
            xacmlRequests[i] = RbacPeers.xacmlRequest(authzforce, e[0], e[1], e[2]);
            boolean xacml = RbacPeers.authzforceAllows(authzforce, xacmlRequests[i]);
            boolean casbinSays = casbin.enforce(e[0], e[2], e[1]);
            Assets.check(wasm == want && drl == want && xacml == want && casbinSays == want,
                    "example " + String.join("/", e[0], e[1], e[2]) + ": expected " + (want ? "allow" : "deny") + ", Wasm says " + wasm
                            + ", AuthzForce says " + xacml + ", jCasbin says " + casbinSays + ", Countersign says " + d.verdict() + " " + d.reasons());
            // the JSON path decides the same
            String viaJson = jsonVerdict(countersignJson(i));
            Assets.check(viaJson.equals(d.verdict().wireName()), "example " + String.join("/", e[0], e[1], e[2])
                    + ": the JSON path says " + viaJson + ", the engine " + d.verdict());
        }
        System.out.printf("%n[setup] OPA Wasm (compiled mode), AuthzForce CE, jCasbin and the Countersign RBAC rules agree on the %d examples%n",
                EXAMPLES.length);
    }

    /** The Wasm result is {@code [{"result": true|false}]}; an undefined result (no element) is a deny. */
    static boolean opaAllows(String result) {
        try {
            JsonNode node = Json.MAPPER.readTree(result);
            return node.isArray() && node.size() == 1 && node.get(0).path("result").asBoolean(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code verdict} of a decision's JSON. */
    static String jsonVerdict(byte[] decision) {
        try {
            return Json.MAPPER.readTree(decision).path("verdict").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TearDown(Level.Trial)
    public void retire() throws IOException {
        countersign.retire();
        authzforce.close();
    }

    private int advance() {
        int i = next;
        next = (i + 1) & 3;
        return i;
    }

    @Benchmark
    public String opaWasm() {
        return opa.evaluate(opaInputs[advance()]);
    }

    @Benchmark
    public boolean authzforce() {
        return RbacPeers.authzforceAllows(authzforce, xacmlRequests[advance()]);
    }

    @Benchmark
    public boolean jcasbin() {
        String[] e = EXAMPLES[advance()];
        return casbin.enforce(e[0], e[2], e[1]);
    }

    @Benchmark
    public Decision countersign() {
        return countersign.evaluate(contexts[advance()]);
    }

    @Benchmark
    public byte[] countersignJson() {
        return countersignJson(advance());
    }

    private byte[] countersignJson(int i) {
        return DecisionJson.toBytes(countersign.evaluate(READER.read(contextJson[i])));
    }
}
