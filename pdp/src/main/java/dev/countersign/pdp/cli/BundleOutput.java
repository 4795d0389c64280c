package dev.countersign.pdp.cli;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Loading a bundle for a command, and printing its errors as {@code path:line:column: message}. */
final class BundleOutput {
    private BundleOutput() {
    }

    /** The compiled bundle, whose evaluations are cut off after {@code maxEvaluationTime}, or null after printing why it cannot be used. */
    static CompiledPolicy compile(Path bundle, Duration maxEvaluationTime, PrintWriter err) {
        try {
            return PolicyCompiler.compile(BundleLoader.load(bundle), PolicyCompiler.DEFAULT_CACHE_SIZE, maxEvaluationTime);
        } catch (InvalidPolicyException e) {
            printErrors(bundle, e.errors(), err);
            return null;
        }
    }

    static void printErrors(Path bundle, List<PolicyError> errors, PrintWriter err) {
        for (PolicyError e : errors) {
            err.println(located(bundle, e) + ": " + e.message());
        }
        err.println(bundle + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors") + "; the bundle was not loaded");
        err.flush();
    }

    /** The error's place as a path a terminal or an editor can open: {@code bundle/file:line:column}. */
    static String located(Path bundle, PolicyError e) {
        String file = e.file().equals(".") || Path.of(e.file()).isAbsolute() ? e.file().equals(".") ? bundle.toString() : e.file()
                : bundle.resolve(e.file()).normalize().toString();
        if (e.line() <= 0) {
            return file;
        }
        return e.column() <= 0 ? file + ":" + e.line() : file + ":" + e.line() + ":" + e.column();
    }
}
