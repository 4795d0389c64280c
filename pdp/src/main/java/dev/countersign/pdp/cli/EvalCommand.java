package dev.countersign.pdp.cli;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.countersign.rules.Decision;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.explain.Explanation;
import dev.countersign.rules.explain.ExplanationJson;
import dev.countersign.rules.explain.ExplanationText;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code countersign eval --bundle DIR --input FILE|-}: decides one action context and prints the
 * decision; with {@code --explain}, also why (as text, or with {@code --format json} as the decision
 * object with an {@code explanation} field, as {@code POST /v1/decisions?explain=full} answers).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Decide one action context with the bundle in DIR and print the decision as JSON, "
                + "the same JSON the server answers.")
final class EvalCommand implements Callable<Integer> {
    enum Format { text, json }

    @Option(names = {"-b", "--bundle"}, required = true, paramLabel = "DIR", description = "The bundle directory.")
    Path bundle;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "A JSON file holding the action context, or - for standard input.")
    String input;

    @Option(names = "--package", defaultValue = "", paramLabel = "PKG",
            description = "Decide with the rules of this package and those below it only (e.g. policies.export).")
    String scope;

    @Option(names = "--pretty", description = "Indent the JSON.")
    boolean pretty;

    @Option(names = "--explain", description = "Also explain the decision: for each rule whose anchor condition held (and each"
            + " rule that fired), which conditions held and which failed, with the values they read.")
    boolean explain;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text or json; the default is text with --explain, json"
            + " without it (text goes with --explain only).")
    Format format;

    @Mixin
    EvaluationBudget budget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        byte[] body;
        try {
            body = input.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(input));
        } catch (NoSuchFileException e) {
            err.println(input + ": no such file");
            return CountersignCommand.BAD_INPUT;
        } catch (IOException e) {
            err.println(input + ": cannot be read: " + e.getMessage());
            return CountersignCommand.BAD_INPUT;
        }
        ActionContext context;
        try {
            context = new ActionContextReader().read(body);
        } catch (InvalidInputException e) {
            String where = e.line() > 0 ? ":" + e.line() + ":" + e.column() : "";
            err.println((input.equals("-") ? "<stdin>" : input) + where + ": " + e.code() + ": " + e.describe());
            return CountersignCommand.BAD_INPUT;
        }
        Format shown = format != null ? format : explain ? Format.text : Format.json;
        if (shown == Format.text && !explain) {
            err.println("--format text goes with --explain; without it the decision is printed as JSON");
            return CountersignCommand.BAD_INPUT;
        }
        if (!budget.usable(err)) {
            return CountersignCommand.BAD_INPUT;
        }
        CompiledPolicy policy = BundleOutput.compile(bundle, budget.value, err);
        if (policy == null) {
            return CountersignCommand.INVALID_BUNDLE;
        }
        if (!scope.isEmpty() && !policy.covers(scope)) {
            err.println("--package " + scope + ": no rules in this package or below it; packages are " + policy.packages());
            return CountersignCommand.BAD_INPUT;
        }
        Decision decision = policy.evaluate(context, scope);
        Explanation explanation = explain ? policy.explainer().explain(context, scope, decision) : null;
        if (shown == Format.text) {
            out.print(ExplanationText.render(explanation));
            out.flush();
            return CountersignCommand.OK;
        }
        byte[] json = Json.write(g -> {
            if (pretty) {
                g.setPrettyPrinter(new DefaultPrettyPrinter());
            }
            g.writeStartObject();
            DecisionJson.writeFields(g, decision);
            if (explanation != null) {
                g.writeFieldName("explanation");
                ExplanationJson.write(g, explanation);
            }
            g.writeEndObject();
        });
        out.println(new String(json, StandardCharsets.UTF_8));
        out.flush();
        return CountersignCommand.OK;
    }
}
