package io.tidepool.examples.spring;

import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * A note to store, as a client posts it.
 *
 * @param title its title; required, not blank
 * @param body its text; empty when absent
 * @param tags its tags (lower-case letters, digits and '-', at most 32); none when absent
 */
public record NewNote(@Nullable String title, @Nullable String body, @Nullable List<String> tags) {
}
