package dev.countersign.rules.lint;

import java.util.ArrayList;
import java.util.List;

/** A rule file's text with its line starts, to turn a character offset into a 1-based line and column. */
final class SourceText {
    private final String text;
    private final int[] lineStarts;

    SourceText(String text) {
        this.text = text;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    String text() {
        return text;
    }

    /** Whether {@code fragment} is written at {@code offset}. */
    boolean at(int offset, String fragment) {
        return offset >= 0 && text.startsWith(fragment, offset);
    }

    int line(int offset) {
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
        return lo + 1;
    }

    int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }

    /** The text of 1-based {@code line}, without its line break; empty past the end. */
    String lineText(int line) {
        if (line < 1 || line > lineStarts.length) {
            return "";
        }
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        String l = text.substring(lineStarts[line - 1], Math.max(lineStarts[line - 1], end));
        return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
    }

    int lineCount() {
        return lineStarts.length;
    }
}
