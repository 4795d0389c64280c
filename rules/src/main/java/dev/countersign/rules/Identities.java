package dev.countersign.rules;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Identities — actor ids, {@code on_behalf_of}, reviewer ids — compared as the people they name, not
 * as strings: {@code " Carol@Example.com."}, {@code "ｃａｒｏｌ@example.com"} (full-width letters) and
 * {@code "carol@example.com"} are one person. The canonical form is Unicode NFKC, case-folded, trimmed,
 * and, for an e-mail address, without trailing dots after the domain. Characters that cannot be seen
 * (format and control characters such as a zero-width space, filler letters, variation selectors) are
 * refused outright rather than removed, since an identity that holds one is an attempt to look like
 * someone else.
 */
public final class Identities {
    private Identities() {
    }

    /** Why {@code id} cannot be an identity, naming the offending character; null when it can. */
    public static String problem(String id) {
        if (id == null) {
            return null;
        }
        for (int i = 0; i < id.length(); ) {
            int cp = id.codePointAt(i);
            if (invisible(cp)) {
                return String.format("holds the invisible character U+%04X at position %d; an identity is written with visible characters only",
                        cp, id.codePointCount(0, i) + 1);
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    /**
     * The canonical form of {@code id}, the one every comparison of identities uses; null for null.
     * Callers check {@link #problem} first: an identity with invisible characters has no canonical form
     * worth comparing.
     */
    public static String canonical(String id) {
        if (id == null) {
            return null;
        }
        String s = Normalizer.normalize(id, Normalizer.Form.NFKC);
        // Upper then lower case folds what lower case alone keeps apart (ß and SS, ſ and s).
        s = s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        // The ideographic full stop separates domain labels as '.' does (NFKC makes the halfwidth one into it).
        s = Normalizer.normalize(s, Normalizer.Form.NFKC).replace('\u3002', '.');
        String before;
        do {   // spaces and an e-mail domain's trailing dots, in any order: " carol@example.com . " is carol
            before = s;
            s = s.strip();
            int at = s.lastIndexOf('@');
            if (at > 0) {
                int end = s.length();
                while (end > at + 1 && s.charAt(end - 1) == '.') {
                    end--;
                }
                s = s.substring(0, end);
            }
        } while (!s.equals(before));
        return s;
    }

    /** Whether {@code a} and {@code b} name the same identity; false when either is null. */
    public static boolean same(String a, String b) {
        return a != null && b != null && canonical(a).equals(canonical(b));
    }

    private static boolean invisible(int cp) {
        int type = Character.getType(cp);
        if (type == Character.FORMAT || type == Character.CONTROL || type == Character.SURROGATE
                || type == Character.UNASSIGNED || type == Character.PRIVATE_USE
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
            return true;
        }
        // Unicode's default-ignorable code points (DerivedCoreProperties), whatever their category, and
        // the blank-looking letters that are not among them.
        return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160
                || cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F)
                || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F)
                || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFF8)
                || (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF)
                || cp == 0x2800;                             // braille blank
    }
}
