package dev.countersign.connectors.teams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Secret;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/** The settings the pdp reads from {@code connectors.teams}, and the route targets the connector accepts. */
@ExtendWith(VertxExtension.class)
class TeamsSettingsTest {
    private static final Secret PASSWORD = Secret.of("pa55word-XYZ~0");

    @Test
    void theDefaultsAreMicrosoftsAndTheTenantGoesIntoTheTokenUrl() {
        TeamsSettings s = TeamsSettings.of(FakeTeamsTokens.APP_ID, PASSWORD, FakeTeamsTokens.TENANT_ID);
        assertEquals("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token", s.tokenUrl());
        assertEquals("https://login.microsoftonline.com/" + FakeTeamsTokens.TENANT_ID + "/oauth2/v2.0/token", s.tokenEndpoint());
        assertEquals("https://login.botframework.com/v1/.well-known/openidconfiguration", s.openIdMetadataUrl());
        assertEquals("https://smba.trafficmanager.net/teams/", s.serviceUrl());
        assertEquals("https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
                TeamsSettings.of(FakeTeamsTokens.APP_ID, PASSWORD, "botframework.com").tokenEndpoint());
        assertEquals("https://smba.trafficmanager.net/amer/", s.withServiceUrl("https://smba.trafficmanager.net/amer/").serviceUrl());
        assertFalse(s.toString().contains("pa55word"), s.toString());
    }

    @TestFactory
    Stream<DynamicTest> badSettingsAreRefusedSayingWhatIsWrong() {
        TeamsSettings s = TeamsSettings.of(FakeTeamsTokens.APP_ID, PASSWORD, FakeTeamsTokens.TENANT_ID);
        record Case(String name, Runnable make, String message) {
        }
        return Stream.of(
                new Case("a service URL without its trailing slash", () -> s.withServiceUrl("https://smba.trafficmanager.net/amer"),
                        "the Teams service_url must end with /, such as https://smba.trafficmanager.net/teams/"),
                new Case("a service URL with a query", () -> s.withServiceUrl("https://smba.trafficmanager.net/amer/?x=1"),
                        "the Teams service_url must be an absolute http(s) URL without query, such as https://smba.trafficmanager.net/teams/"),
                new Case("a relative service URL", () -> s.withServiceUrl("amer/"),
                        "the Teams service_url must be an absolute http(s) URL without query, such as https://smba.trafficmanager.net/teams/"),
                new Case("a token URL with credentials", () -> s.withTokenUrl("https://u:p@login.example/{tenant}/token"),
                        "the Teams token_url must be an absolute http(s) URL without query, such as " + TeamsSettings.TOKEN_URL),
                new Case("an app id with a space", () -> TeamsSettings.of("my bot", PASSWORD, FakeTeamsTokens.TENANT_ID),
                        "the Teams app id is the bot's Microsoft App ID, such as 00000000-0000-0000-0000-000000000000"),
                new Case("a tenant with a slash", () -> TeamsSettings.of(FakeTeamsTokens.APP_ID, PASSWORD, "a/b"),
                        "the Teams tenant id is a GUID or a domain, such as contoso.onmicrosoft.com")
        ).map(c -> dynamicTest(c.name(), () -> assertEquals(c.message(), assertThrows(IllegalArgumentException.class, c.make()::run).getMessage())));
    }

    @TestFactory
    Stream<DynamicTest> routeTargetsAreCheckedAndExplained(Vertx vertx) {
        TeamsConnector teams = new TeamsConnector(vertx, TeamsSettings.of(FakeTeamsTokens.APP_ID, PASSWORD, FakeTeamsTokens.TENANT_ID));
        record Case(String spec, String target, String error) {
        }
        return Stream.of(
                new Case("teams:19:8f3b2c1d0e9a4b7c@thread.tacv2", "19:8f3b2c1d0e9a4b7c@thread.tacv2", null),
                new Case("teams:19:8f3b2c1d0e9a4b7c@thread.skype", "19:8f3b2c1d0e9a4b7c@thread.skype", null),
                new Case("teams:19:meeting_Zjk0YTc1@thread.v2", "19:meeting_Zjk0YTc1@thread.v2", null),
                new Case("teams:19:8f3b2c1d@thread.tacv2;messageid=1616161616161", "19:8f3b2c1d@thread.tacv2;messageid=1616161616161", null),
                new Case("teams:a:1Xyz-abc_DEF", "a:1Xyz-abc_DEF", null),
                new Case("teams:29:1carolAbC-dEf_0123456789", "29:1carolAbC-dEf_0123456789", null),
                new Case("teams:channel:19:8f3b2c1d@thread.tacv2", "channel:19:8f3b2c1d@thread.tacv2", null),
                new Case("teams:general", null, "teams:general is not a conversation id; give the conversation id, such as teams:19:…@thread.tacv2"),
                new Case("teams:#security", null, "teams:#security is not a conversation id; give the conversation id, such as teams:19:…@thread.tacv2"),
                new Case("teams:19:abc", null, "teams:19:abc is not a conversation id; give the conversation id, such as teams:19:…@thread.tacv2"),
                new Case("teams:19:a b@thread.tacv2", null,
                        "teams:19:a b@thread.tacv2 is not a conversation id; give the conversation id, such as teams:19:…@thread.tacv2"),
                new Case("teams:", null, "teams: names no conversation; give the conversation id, such as teams:19:…@thread.tacv2"),
                new Case("teams:6b3f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", null,
                        "teams:6b3f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b is an Entra object id; post to a person by their Teams user id, such as teams:29:…"),
                new Case("teams:channel:general", null,
                        "teams:channel:general is not a channel id; give the channel's id, such as teams:channel:19:…@thread.tacv2"),
                new Case("teams:channel:19:meeting_x@thread.v2", null,
                        "teams:channel:19:meeting_x@thread.v2 is not a channel id; give the channel's id, such as teams:channel:19:…@thread.tacv2"),
                new Case("teams:channel:19:c@thread.tacv2;messageid=1", null,
                        "teams:channel:19:c@thread.tacv2;messageid=1 names a thread, not a channel; post to the thread as"
                                + " teams:19:c@thread.tacv2;messageid=1, or start a new one with teams:channel:19:c@thread.tacv2"),
                new Case("slack:C0123", null, "slack:C0123 is not a Teams destination; give teams: and a conversation id, such as teams:19:…@thread.tacv2")
        ).map(c -> dynamicTest(c.spec(), () -> {
            if (c.error() == null) {
                assertEquals(new Destination("teams", c.target()), teams.destination(c.spec()));
            } else {
                assertEquals(c.error(), assertThrows(IllegalArgumentException.class, () -> teams.destination(c.spec())).getMessage());
            }
        }));
    }
}
