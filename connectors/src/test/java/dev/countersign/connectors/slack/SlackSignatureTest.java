package dev.countersign.connectors.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.connectors.Secret;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Slack's own example of a signed request (the protocol notes, §1.4), byte for byte. */
class SlackSignatureTest {
    static final Secret SECRET = Secret.of("8f742231b10e8888abcd99yyyzzz85a5");
    static final String TIMESTAMP = "1531420618";
    static final String BODY = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    static final String SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    @Test
    void theOfficialVectorSignsAsSlackDoes() {
        assertEquals(SIGNATURE, SlackSignature.sign(SECRET, TIMESTAMP, BODY.getBytes(StandardCharsets.UTF_8)));
        assertTrue(SlackSignature.matches(SECRET, TIMESTAMP, BODY.getBytes(StandardCharsets.UTF_8), SIGNATURE));
    }

    @Test
    void oneByteMoreOrAnotherTimestampDoesNotMatch() {
        assertFalse(SlackSignature.matches(SECRET, TIMESTAMP, (BODY + " ").getBytes(StandardCharsets.UTF_8), SIGNATURE));
        assertFalse(SlackSignature.matches(SECRET, "1531420619", BODY.getBytes(StandardCharsets.UTF_8), SIGNATURE));
        assertFalse(SlackSignature.matches(SECRET, TIMESTAMP, BODY.getBytes(StandardCharsets.UTF_8), SIGNATURE.toUpperCase()));
    }
}
