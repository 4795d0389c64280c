package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.rules.Decision;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.json.ActionContextReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conditions with custom operators ({@code str[startsWith]}, {@code str[endsWith]},
 * {@code str[length]}, {@code finds}) decide the same on the thousandth evaluation as on the first. Drools compiles
 * a condition to bytecode after its 20th evaluation, in the background; for these operators that
 * compiled form fails (see {@link InterpretedOperators}), which turned an allow into a deny with an
 * error from then on. The evaluations here run well past the threshold, with a pause for the
 * background compilation, and the decision cache off.
 */
class CustomOperatorsTest {
    static final String RULES = """
            package gateway

            rule "shop paths are allowed"
            when
                Resource( id str[startsWith] "shop.example.com/" )
            then
                allow("shop");
            end

            rule "reports end in .csv"
            when
                Resource( id str[endsWith] ".csv" )
            then
                allow("report");
            end

            rule "short actions are denied"
            when
                Action( name str[length] 2 )
            then
                deny("two letters");
            end

            rule "dropping tables is denied"
            when
                Action( command finds "(?i)drop\\\\s+table" )
            then
                deny("drop table");
            end

            rule "intents must not repeat the command"
            when
                Action( $c : command != null )
                Action( name == "echo", intent not finds $c )
            then
                allow("echo");
            end

            rule "owners may read their own paths"
            when
                Actor( $me : id != null )
                Resource( type == "owned", id str[startsWith] $me )
            then
                allow("own path");
            end
            """;

    @Test
    void customOperatorsDecideAlikeLongAfterTheEngineWouldCompileThem() throws Exception {
        CompiledPolicy policy = PolicyCompiler.compile(BundleLoader.fromFiles(Map.of("gateway.drl", RULES.getBytes(StandardCharsets.UTF_8))), 0);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            if (i == 25) {
                Thread.sleep(1_500);   // the engine compiles conditions on a background thread
            }
            expect(policy, "{\"action\": {\"name\": \"http.get\"}, \"resource\": {\"id\": \"shop.example.com/item/" + i + "\"}}", "allow", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"http.get\"}, \"resource\": {\"id\": \"other.example.com/" + i + "\"}}", "deny", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"http.get\"}, \"resource\": {\"id\": \"r/" + i + ".csv\"}}", "allow", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"rm\"}, \"resource\": {\"id\": \"shop.example.com/x\"}}", "deny", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"http.get\", \"command\": \"psql -c 'DROP  TABLE t" + i + "'\"}, \"resource\": {\"id\": \"shop.example.com/x\"}}", "deny", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"http.get\", \"command\": \"select " + i + "\"}, \"resource\": {\"id\": \"shop.example.com/x\"}}", "allow", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"echo\", \"command\": \"x" + i + "\", \"intent\": \"say y\"}}", "allow", i, wrong);
            expect(policy, "{\"action\": {\"name\": \"echo\", \"command\": \"x" + i + "\", \"intent\": \"say x" + i + "\"}}", "deny", i, wrong);
            expect(policy, "{\"actor\": {\"id\": \"u" + i + "\"}, \"action\": {\"name\": \"read\"}, \"resource\": {\"type\": \"owned\", \"id\": \"u"
                    + i + "/notes\"}}", "allow", i, wrong);
        }
        assertEquals(List.of(), wrong);
    }

    private static void expect(CompiledPolicy policy, String input, String verdict, int i, List<String> wrong) {
        Decision d = policy.evaluate(new ActionContextReader().read(input.getBytes(StandardCharsets.UTF_8)));
        if (!d.verdict().wireName().equals(verdict) || d.reasons().stream().anyMatch(r -> r.rule().equals("error"))) {
            if (wrong.size() < 5) {
                wrong.add("evaluation " + i + " of " + input + ": " + d.verdict() + " " + d.reasons());
            }
        }
    }
}
