package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the static check reads text where Java, MVEL and the DRL parser could disagree (what YAML cases cannot hold). */
class RuleSandboxTest {
    private static List<String> check(String consequence) {
        String drl = "package p\nrule \"r\"\nwhen\n    Action( name == \"a\" )\nthen\n    " + consequence + "\nend\n";
        SourceFile file = new SourceFile("a.drl", drl.getBytes(StandardCharsets.UTF_8));
        List<PolicyError> errors = new ArrayList<>();
        RuleSandbox.of(List.of(file)).check(file, errors);
        return errors.stream().map(PolicyError::toString).toList();
    }

    @Test
    void aCarriageReturnEndsALineCommentAsItDoesForJava() {
        assertEquals(List.of("a.drl:6:15: System is not available to rules: " + RuleSandbox.HINT),
                check("// a note\rSystem.exit(1);"));
    }

    @Test
    void aBackslashEscapedBeforeUIsNotAUnicodeEscape() {
        assertEquals(List.of(), check("deny(\"C:\\\\users\\\\u0041\");"));
        assertEquals(List.of("a.drl:6:15: a Java unicode escape (\\u0041) is not allowed in rule files, not even in strings"
                + " or comments: write the character itself"), check("deny(\"C:\\\\\\u0041\");"));
    }

    @Test
    void textBlocksAreRefused() {
        assertEquals(List.of("a.drl:6:10: text blocks (\"\"\") are not available in rules: write a string literal"),
                check("deny(\"\"\"\n    System\n    \"\"\");"));
    }

    @Test
    void anInvisibleCharacterInsideANameIsRefused() {
        assertEquals(List.of("a.drl:6:8: an invisible character (U+200B) is not allowed in rule code: remove it"),
                check("Sys\u200Btem.out.println();"));
    }
}
