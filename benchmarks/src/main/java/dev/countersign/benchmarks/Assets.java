package dev.countersign.benchmarks;

import dev.countersign.rules.Decision;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.Reason;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.PolicyCompiler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Classpath assets and checks shared by the benchmarks. */
final class Assets {
    private Assets() {
    }

    /** The bytes of classpath resource {@code name} (no leading slash). */
    static byte[] bytes(String name) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /**
     * Compiles {@code bundle} with the decision cache off, so that every decision is evaluated by the
     * rules, turning compile errors into a setup failure that lists them.
     */
    static CompiledPolicy compile(PolicyBundle bundle) {
        return compile(bundle, "off");
    }

    /** As {@link #compile(PolicyBundle)}, with the decision cache {@code "on"} (its default size) or {@code "off"}. */
    static CompiledPolicy compile(PolicyBundle bundle, String cache) {
        try {
            return PolicyCompiler.compile(bundle, "on".equals(cache) ? PolicyCompiler.DEFAULT_CACHE_SIZE : 0);
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("the bundle does not compile:\n  "
                    + String.join("\n  ", e.errors().stream().map(Object::toString).toList()), e);
        }
    }

    /** Fails when {@code d} is the outcome of a failed evaluation: a benchmark must not time the error path. */
    static void requireNoError(Decision d, String what) {
        for (Reason r : d.reasons()) {
            if (Reason.ERROR_RULE.equals(r.rule())) {
                throw new IllegalStateException(what + " ended in an evaluation error: " + r.message());
            }
        }
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
