package dev.countersign.pdp.cli;

import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --max-evaluation-time}, shared by the commands that compile and evaluate a bundle (a picocli mixin). */
final class EvaluationBudget {
    @Option(names = "--max-evaluation-time", defaultValue = "PT0.05S", paramLabel = "DURATION",
            description = "How long one evaluation may run before it is cut off (deny, with an error reason), as the server's"
                    + " engine.max_evaluation_time (default: ${DEFAULT-VALUE}).")
    Duration value;

    /** Whether the budget is longer than zero; prints why not to {@code err} when it is not. */
    boolean usable(PrintWriter err) {
        if (value.isNegative() || value.isZero()) {
            err.println("--max-evaluation-time must be longer than zero, such as PT0.05S");
            return false;
        }
        return true;
    }
}
