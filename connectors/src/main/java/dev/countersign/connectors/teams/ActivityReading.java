package dev.countersign.connectors.teams;

/**
 * A request body read by {@link TeamsActivity#read}: the {@link TeamsActivity}, or a
 * {@link TeamsRefusal} (400, or 413 when too large) saying what is wrong with it.
 */
public sealed interface ActivityReading permits TeamsActivity, TeamsRefusal {
}
