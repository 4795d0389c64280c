package dev.countersign.benchmarks.approvals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests of the approvals benchmark and the checks of their answers: every answer is checked
 * to be the one expected (a hold is a needs_approval with a new pending approval, an allow is an
 * allow, a vote decides) before its time counts; anything else ends the run.
 */
final class Requests {
    private static final Pattern APPROVAL_ID = Pattern.compile("\"approval\"\\s*:\\s*\\{[^}]*?\"id\"\\s*:\\s*\"(apr_[^\"]+)\"");

    private Requests() {
    }

    /**
     * A realistic action context as an agent sends it (the project README's export, to an EU
     * region): the starter bundle holds it for data-governance. {@code intent} makes it a new ask.
     */
    static String export(String actorType, String intent) {
        return "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"" + actorType + "\", \"on_behalf_of\": \"alice@example.com\","
                + " \"roles\": [\"exporter\"], \"groups\": [\"etl\"]},"
                + " \"action\": {\"name\": \"data.export\", \"command\": \"COPY customers TO 's3://exports-eu/q4' WITH (FORMAT csv)\","
                + " \"intent\": \"" + intent + "\"},"
                + " \"resource\": {\"type\": \"table\", \"id\": \"prod.customers\", \"classification\": \"pii\", \"environment\": \"production\","
                + " \"region\": \"eu-west-1\", \"owner\": \"data-platform\"},"
                + " \"target\": {\"region\": \"eu-central-1\", \"endpoint\": \"s3://exports-eu/q4\"},"
                + " \"context\": {\"model_id\": \"gpt-4.1\", \"dataset_origin\": \"crm\", \"compliance_tags\": [\"gdpr\"], \"source_ip\": \"10.1.2.3\"}}";
    }

    static HttpRequest post(ApprovalNodes.Node n, String path, String body, String token) {
        return HttpRequest.newBuilder(n.uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static HttpRequest get(ApprovalNodes.Node n, String path, String token, Duration timeout) {
        return HttpRequest.newBuilder(n.uri(path)).timeout(timeout).header("Authorization", "Bearer " + token).GET().build();
    }

    static HttpResponse<String> send(HttpRequest r) throws Exception {
        return ApprovalNodes.HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest r) {
        return ApprovalNodes.HTTP.sendAsync(r, HttpResponse.BodyHandlers.ofString());
    }

    /** The id of the new pending approval a hold answered; fails unless it is one. */
    static String held(HttpResponse<String> r) {
        String body = r.body();
        Matcher m = APPROVAL_ID.matcher(body);
        if (r.statusCode() != 200 || !body.contains("\"verdict\":\"needs_approval\"") || !body.contains("\"status\":\"pending\"") || !m.find()) {
            throw new IllegalStateException("not a hold: " + r.statusCode() + " " + body);
        }
        return m.group(1);
    }

    /** Fails unless {@code r} is an allow. */
    static void allowed(HttpResponse<String> r) {
        if (r.statusCode() != 200 || !r.body().contains("\"verdict\":\"allow\"")) {
            throw new IllegalStateException("not an allow: " + r.statusCode() + " " + r.body());
        }
    }

    /** Fails unless {@code r} shows approval {@code id} approved. */
    static void approved(HttpResponse<String> r, String id) {
        if (r.statusCode() != 200 || !r.body().contains("\"id\":\"" + id + "\"") || !r.body().contains("\"status\":\"approved\"")) {
            throw new IllegalStateException("not approved: " + r.statusCode() + " " + r.body());
        }
    }
}
