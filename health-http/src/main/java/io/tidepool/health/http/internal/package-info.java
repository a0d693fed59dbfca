/** JSON rendering of health reports for the HTTP endpoint. Not API. */
@NullMarked
package io.tidepool.health.http.internal;

import org.jspecify.annotations.NullMarked;
