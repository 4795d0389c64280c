package dev.countersign.pdp.decision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replaces the values at configured JSON pointers (e.g. {@code /action/command},
 * {@code /attributes/secret}) with {@value #MASK} before an input is logged or shown. Pointers into
 * absent values change nothing; {@code -} and array indexes address list items. Unknown top-level
 * fields of an input are kept under {@code /attributes}, so that is where masks for them point.
 */
public final class InputMask {
    public static final String MASK = "***";

    private final List<List<String>> pointers = new ArrayList<>();

    public InputMask(List<String> pointers) {
        for (String p : pointers) {
            List<String> tokens = new ArrayList<>();
            for (String token : p.substring(1).split("/", -1)) {
                tokens.add(token.replace("~1", "/").replace("~0", "~"));
            }
            this.pointers.add(tokens);
        }
    }

    /** A copy of {@code tree} with every masked value replaced; parts of the tree that are not masked are shared, not copied. */
    public Map<String, Object> apply(Map<String, Object> tree) {
        Map<String, Object> result = tree;
        for (List<String> pointer : pointers) {
            result = mask(result, pointer, 0);
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mask(Map<String, Object> map, List<String> pointer, int depth) {
        String key = pointer.get(depth);
        if (!map.containsKey(key)) {
            return map;
        }
        Object replaced = depth == pointer.size() - 1 ? MASK : maskValue(map.get(key), pointer, depth + 1);
        if (replaced == map.get(key)) {
            return map;
        }
        Map<String, Object> copy = new LinkedHashMap<>(map);
        copy.put(key, replaced);
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Object maskValue(Object value, List<String> pointer, int depth) {
        if (value instanceof Map<?, ?> m) {
            return mask((Map<String, Object>) m, pointer, depth);
        }
        if (value instanceof List<?> list) {
            int index;
            try {
                index = Integer.parseInt(pointer.get(depth));
            } catch (NumberFormatException e) {
                return value;
            }
            if (index < 0 || index >= list.size()) {
                return value;
            }
            Object item = list.get(index);
            Object replaced = depth == pointer.size() - 1 ? MASK : maskValue(item, pointer, depth + 1);
            if (replaced == item) {
                return value;
            }
            List<Object> copy = new ArrayList<>(list);
            copy.set(index, replaced);
            return copy;
        }
        return value;
    }
}
