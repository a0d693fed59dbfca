package io.tidepool.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigureOrder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.core.Ordered;

/**
 * Fails the start of an application on a Spring Boot older than 3.5 that has Tidepool's starter, instead of letting
 * the auto-configuration half apply: it relies on Spring Boot 3.5's repeatable conditions, and it is tested on Spring
 * Boot 3.5 and 4 only. Spring Boot before 3.5 is recognised by the absence of {@code @ConditionalOnBooleanProperty},
 * which 3.5 introduced.
 */
@AutoConfiguration(beforeName = {TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION,
        TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION})
@AutoConfigureOrder(Ordered.HIGHEST_PRECEDENCE)
@ConditionalOnMissingClass(TidepoolSpringBootVersionCheck.SINCE_BOOT_3_5)
public class TidepoolSpringBootVersionCheck {

    /** Spring Boot 3's R2DBC auto-configuration (Spring Boot 4 moved it). */
    static final String BOOT_3_R2DBC_AUTO_CONFIGURATION =
            "org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration";

    /** A class Spring Boot has since 3.5. */
    static final String SINCE_BOOT_3_5 = "org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty";

    /**
     * Fails: this Spring Boot is older than 3.5.
     *
     * @throws IllegalStateException always, saying what to do
     */
    public TidepoolSpringBootVersionCheck() {
        throw new IllegalStateException(message(SpringBootVersion.getVersion()));
    }

    static String message(@Nullable String version) {
        return "tidepool-spring-boot-starter needs Spring Boot 3.5 or 4, and this application runs Spring Boot "
                + (version == null ? "older than 3.5" : version) + ". Move to Spring Boot 3.5 or 4, or replace the"
                + " starter with tidepool-core and tidepool-health and declare the TidepoolPool bean yourself"
                + " (docs/spring-boot.md, \"Your own pool bean\").";
    }
}
