package dev.countersign.pdp.approval;

import dev.countersign.rules.engine.DecisionIds;
import java.util.Locale;

/** Approval ids: {@code apr_} and a lowercase ULID, so they sort by creation time. */
public final class ApprovalIds {
    private ApprovalIds() {
    }

    static String next() {
        return "apr_" + DecisionIds.next().toLowerCase(Locale.ROOT);
    }

    /** Whether {@code id} has the shape of an approval id ({@code apr_} and 26 lowercase letters and digits). */
    public static boolean looksValid(String id) {
        return id != null && id.matches("apr_[0-9a-z]{26}");
    }
}
