package dev.countersign.rules.engine;

import java.util.Collection;
import java.util.Locale;

/** The "did you mean" of a name that refers to nothing: the closest known name, if one is close enough to be a slip. */
public final class ClosestName {
    private ClosestName() {
    }

    /**
     * The name of {@code known} closest to {@code name} by edit distance (case ignored), or null when
     * none is within a third of the name's length (at least one edit); ties go to the first.
     */
    public static String to(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int allowed = Math.max(1, name.length() / 3);
        for (String candidate : known) {
            int d = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT), allowed);
            if (d <= allowed && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** {@code "; did you mean \"x\"?"}, or "" when no known name is close. */
    public static String hint(String name, Collection<String> known) {
        String close = to(name, known);
        return close == null ? "" : "; did you mean \"" + close + "\"?";
    }

    /** The edit distance of {@code a} and {@code b}: insertions, deletions, substitutions and swaps of two neighbours. */
    public static int distance(String a, String b) {
        return distance(a, b, Integer.MAX_VALUE / 2);
    }

    /** Edit distance (insertions, deletions, substitutions, swaps of two neighbours), or a value above {@code limit} as soon as it is sure to exceed it. */
    private static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[] beforePrevious = new int[b.length() + 1];
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    current[j] = Math.min(current[j], beforePrevious[j - 2] + 1); // two letters swapped
                }
                rowMin = Math.min(rowMin, current[j]);
            }
            if (rowMin > limit) {
                return limit + 1;
            }
            int[] swap = beforePrevious;
            beforePrevious = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
