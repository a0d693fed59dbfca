/** The health module's machinery: the recent window, the health listener, JSON rendering, redaction. Not API. */
@NullMarked
package io.tidepool.health.internal;

import org.jspecify.annotations.NullMarked;
