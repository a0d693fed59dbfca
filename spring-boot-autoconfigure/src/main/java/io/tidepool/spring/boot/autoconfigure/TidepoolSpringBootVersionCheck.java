package io.tidepool.spring.boot.autoconfigure;

import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigureOrder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.core.Ordered;

/**
 * Fails the start of a Spring Boot 3 application that has Tidepool's starter, instead of letting the
 * auto-configuration silently not apply: this auto-configuration is built on Spring Boot 4's types and package names
 * (Boot 4 moved R2DBC and health to modules of their own), and on Boot 3 Spring Boot's own R2DBC auto-configuration
 * would build the application's {@code ConnectionFactory} in Tidepool's place.
 *
 * <p>Boot 3 is recognised by its R2DBC auto-configuration's package, which Boot 4 no longer has.
 */
@AutoConfiguration(beforeName = {TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION,
        TidepoolAutoConfiguration.BOOT_R2DBC_AUTO_CONFIGURATION})
@AutoConfigureOrder(Ordered.HIGHEST_PRECEDENCE)
@ConditionalOnClass(name = TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION)
public class TidepoolSpringBootVersionCheck {

    /** Spring Boot 3's R2DBC auto-configuration. */
    static final String BOOT_3_R2DBC_AUTO_CONFIGURATION =
            "org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration";

    /**
     * Fails: this is Spring Boot 3.
     *
     * @throws IllegalStateException always, saying what to do
     */
    public TidepoolSpringBootVersionCheck() {
        throw new IllegalStateException(message(SpringBootVersion.getVersion()));
    }

    static String message(String version) {
        return "tidepool-spring-boot-starter needs Spring Boot 4, and this application runs Spring Boot "
                + (version == null ? "3.x" : version) + " (" + BOOT_3_R2DBC_AUTO_CONFIGURATION + " is on the class path)."
                + " Move to Spring Boot 4, or replace the starter with tidepool-core and tidepool-health and declare"
                + " the TidepoolPool bean yourself (docs/spring-boot.md, \"Spring Boot 3\").";
    }
}
