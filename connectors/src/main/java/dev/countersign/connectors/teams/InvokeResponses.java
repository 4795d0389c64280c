package dev.countersign.connectors.teams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Answers to an {@code adaptiveCard/action} invoke, as Teams reads them (Universal Actions):
 * <ul>
 *   <li>{@code {"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":<card>}}:
 *       the card replaces the one the user sees;</li>
 *   <li>{@code {"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"<text>"}}:
 *       Teams shows the text and keeps the card;</li>
 *   <li>{@code {"statusCode":4xx/5xx,"type":"application/vnd.microsoft.error","value":{"code","message"}}}:
 *       Teams shows an error.</li>
 * </ul>
 * The HTTP status of each is its {@code statusCode}.
 */
public final class InvokeResponses {
    public static final String CARD = "application/vnd.microsoft.card.adaptive";
    public static final String MESSAGE = "application/vnd.microsoft.activity.message";
    public static final String ERROR = "application/vnd.microsoft.error";
    /** The longest error message or text sent; longer ones are cut. */
    public static final int MAX_TEXT = 1000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private InvokeResponses() {
    }

    /**
     * 200 with {@code card}, an Adaptive Card (a JSON object; copied, so later changes to it are not sent).
     *
     * @throws IllegalArgumentException when {@code card} is not a JSON object
     */
    public static InvokeResponse card(JsonNode card) {
        if (card == null || !card.isObject()) {
            throw new IllegalArgumentException("an Adaptive Card is a JSON object");
        }
        ObjectNode body = NODES.objectNode().put("statusCode", 200).put("type", CARD);
        body.set("value", card.deepCopy());
        return new InvokeResponse(200, body);
    }

    /** 200 with a message {@code text} for Teams to show; the card stays as it is. */
    public static InvokeResponse message(String text) {
        Objects.requireNonNull(text, "text");
        return new InvokeResponse(200, NODES.objectNode().put("statusCode", 200).put("type", MESSAGE).put("value", cut(text)));
    }

    /** 400 with {@code code} and {@code message}. */
    public static InvokeResponse badRequest(String code, String message) {
        return error(400, code, message);
    }

    /**
     * {@code statusCode} (400–599) with {@code code} and {@code message}.
     *
     * @throws IllegalArgumentException when {@code statusCode} is not an error status
     */
    public static InvokeResponse error(int statusCode, String code, String message) {
        if (statusCode < 400 || statusCode > 599) {
            throw new IllegalArgumentException("an error's status is 400 to 599, not " + statusCode);
        }
        ObjectNode body = NODES.objectNode().put("statusCode", statusCode).put("type", ERROR);
        body.putObject("value").put("code", Objects.requireNonNull(code, "code")).put("message", cut(Objects.requireNonNull(message, "message")));
        return new InvokeResponse(statusCode, body);
    }

    private static String cut(String text) {
        if (text.length() <= MAX_TEXT) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_TEXT - 1)) ? MAX_TEXT - 1 : MAX_TEXT;
        return text.substring(0, end) + "…";
    }
}
