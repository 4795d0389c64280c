package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link RuleSandbox} finds in one file, as {@link PolicyError}s at the file's line and column:
 * one error per place. Reading the clock or randomness is reported first, with the engine's
 * long-standing messages ("LocalTime.now makes the decision depend on..."), and the allow-list's
 * own errors for the same text are left out.
 */
final class SandboxFindings {
    static final String PURITY = " makes the decision depend on when or by chance it is made; rules must be pure:"
            + " compare with the caller's Context( time ) instead";

    private static final Pattern IMPURE = Pattern.compile(
            "\\b(System\\s*\\.\\s*(currentTimeMillis|nanoTime)"
                    + "|(Instant|LocalDateTime|LocalDate|LocalTime|ZonedDateTime|OffsetDateTime|OffsetTime|Year|YearMonth|MonthDay)"
                    + "\\s*\\.\\s*now|Clock\\s*\\.\\s*\\w+|Calendar\\s*\\.\\s*getInstance|SecureRandom\\s*\\.\\s*getInstance\\w*"
                    + "|new\\s+(java\\.util\\.|java\\.security\\.)?(Date|Random|SecureRandom|GregorianCalendar)\\s*\\("
                    + "|(Math|StrictMath)\\s*\\.\\s*random|UUID\\s*\\.\\s*randomUUID|ThreadLocalRandom"
                    + "|ZoneId\\s*\\.\\s*systemDefault|TimeZone\\s*\\.\\s*getDefault|Collections\\s*\\.\\s*shuffle)");

    private final SourceFile file;
    private final List<PolicyError> errors;
    private final int[] lineStarts;
    private final List<int[]> impure = new ArrayList<>();
    private final Set<Integer> reported = new HashSet<>();

    SandboxFindings(SourceFile file, List<PolicyError> errors) {
        this.file = file;
        this.errors = errors;
        this.lineStarts = lineStarts(file.text());
    }

    /** Reports every reading of the clock or randomness the engine has long named. */
    void purity() {
        String code = SourceChecks.blankStrings(SourceChecks.blankComments(file.text()));
        Matcher m = IMPURE.matcher(code);
        while (m.find()) {
            impure.add(new int[]{m.start(), m.end()});
            error(m.start(), m.group().replaceAll("\\s*\\.\\s*", ".").replaceAll("\\s*\\($", "()")
                    .replaceAll("\\s+", " ") + PURITY);
        }
    }

    /** Whether the text from {@code start} to {@code end} overlaps a reading of the clock or randomness already reported. */
    boolean impure(int start, int end) {
        for (int[] span : impure) {
            if (start < span[1] && end > span[0]) {
                return true;
            }
        }
        return false;
    }

    /** Reports {@code message} at {@code offset}, unless something was reported there already. */
    void error(int offset, String message) {
        if (!reported.add(offset)) {
            return;
        }
        int line = lineOf(offset);
        errors.add(new PolicyError(file.path(), line + 1, offset - lineStarts[line] + 1, message));
    }

    /** {@code message} at {@code offset}, not reported. */
    PolicyError at(int offset, String message) {
        int line = lineOf(offset);
        return new PolicyError(file.path(), line + 1, offset - lineStarts[line] + 1, message);
    }

    private int lineOf(int offset) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>(List.of(0));
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }
}
