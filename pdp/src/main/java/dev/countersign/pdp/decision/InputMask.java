package dev.countersign.pdp.decision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces the values at configured JSON pointers (RFC 6901: {@code /action/command},
 * {@code /attributes/secret}, {@code ~1} for a {@code /} and {@code ~0} for a {@code ~} inside a key)
 * with {@value #MASK} before an input is logged or shown. Pointers into absent values change nothing.
 *
 * <p>A list item is addressed by its index ({@code /actor/roles/0}) or, all items at once, by
 * {@code -}: {@code /actor/roles/-} masks every role, {@code /attributes/cards/-/number} the number of
 * every card, and {@code -} may appear at any depth. (In RFC 6901 {@code -} names the item past the end
 * of a list, which holds nothing, so a mask pointing there would mask nothing.) In an object, {@code -}
 * is the key {@code "-"}. Unknown top-level fields of an input are kept under {@code /attributes}, so
 * that is where masks for them point.
 *
 * <p>Pointers are checked when the mask is made ({@link #invalidPointer}): the empty pointer (the
 * whole input) and empty keys ({@code //}, a trailing {@code /}) are refused, as they are almost
 * always mistakes that would silently mask nothing.
 */
public final class InputMask {
    public static final String MASK = "***";

    /** An array index as RFC 6901 writes it: no sign, no leading zero. */
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,8}");
    private static final Pattern BAD_TILDE = Pattern.compile("~(?![01])");

    private final List<List<String>> pointers = new ArrayList<>();

    /** A mask of {@code pointers}; throws {@link IllegalArgumentException} naming the first invalid one. */
    public InputMask(List<String> pointers) {
        for (String p : pointers) {
            String why = invalidPointer(p);
            if (why != null) {
                throw new IllegalArgumentException("\"" + p + "\" " + why);
            }
            List<String> tokens = new ArrayList<>();
            for (String token : p.substring(1).split("/", -1)) {
                tokens.add(token.replace("~1", "/").replace("~0", "~"));
            }
            this.pointers.add(List.copyOf(tokens));
        }
    }

    /**
     * Why {@code pointer} cannot be a mask, phrased to follow the pointer in a message
     * ("is not a JSON pointer: …"); null when it can.
     */
    public static String invalidPointer(String pointer) {
        if (pointer == null || pointer.isEmpty()) {
            return "is empty, which would mask the whole input; point at a value inside it, e.g. /action/command";
        }
        if (!pointer.startsWith("/")) {
            return "is not a JSON pointer: it starts with /, e.g. /action/command";
        }
        if (BAD_TILDE.matcher(pointer).find()) {
            return "is not a JSON pointer: a ~ is written ~0 and a / inside a key ~1, and no other ~ may appear";
        }
        if (pointer.endsWith("/") || pointer.contains("//")) {
            return "has an empty key (a / at the end or two in a row); remove the extra /";
        }
        return null;
    }

    /** A copy of {@code tree} with every masked value replaced; parts of the tree that are not masked are shared, not copied. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> apply(Map<String, Object> tree) {
        Object result = tree;
        for (List<String> pointer : pointers) {
            result = mask(result, pointer, 0);
        }
        return (Map<String, Object>) result;
    }

    /**
     * {@code node} with what {@code pointer} addresses below it, from token {@code depth} on, masked:
     * {@code node} itself when that is nothing, else a shallow copy holding the masked child.
     */
    @SuppressWarnings("unchecked")
    private static Object mask(Object node, List<String> pointer, int depth) {
        if (depth == pointer.size()) {
            return MASK;
        }
        String token = pointer.get(depth);
        if (node instanceof Map<?, ?> map) {
            if (!map.containsKey(token)) {
                return node;
            }
            Object child = map.get(token);
            Object masked = mask(child, pointer, depth + 1);
            if (masked == child) {
                return node;
            }
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
            copy.put(token, masked);
            return copy;
        }
        if (node instanceof List<?> list) {
            List<Object> copy = null;
            for (int i : token.equals("-") ? allIndexes(list) : index(token, list)) {
                Object item = list.get(i);
                Object masked = mask(item, pointer, depth + 1);
                if (masked != item) {
                    if (copy == null) {
                        copy = new ArrayList<>(list);
                    }
                    copy.set(i, masked);
                }
            }
            return copy == null ? node : copy;
        }
        return node;
    }

    private static int[] allIndexes(List<?> list) {
        int[] all = new int[list.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /** The item {@code token} indexes in {@code list}, or none when it is not an index or past the end. */
    private static int[] index(String token, List<?> list) {
        if (!INDEX.matcher(token).matches()) {
            return new int[0];
        }
        int i = Integer.parseInt(token);
        return i < list.size() ? new int[] {i} : new int[0];
    }
}
