package io.tidepool.examples.spring;

import java.time.Instant;
import java.util.List;

/**
 * A stored note, as the API answers it.
 *
 * @param id the note's key
 * @param title its title, never blank
 * @param body its text
 * @param createdAt when it was stored
 * @param tags its tags, in alphabetical order
 */
public record Note(long id, String title, String body, Instant createdAt, List<String> tags) {
}
