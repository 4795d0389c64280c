package dev.countersign.pdp.http;

/** The route of a request, as named in the route table, for metrics and logs. */
final class RouteNames {
    static final String KEY = "countersign.route";
    static final String UNMATCHED = "unmatched";

    private RouteNames() {
    }
}
