/**
 * Tidepool's Spring Boot 4 and 3.5 auto-configuration: the application's {@code TidepoolPool} from {@code spring.r2dbc.*}
 * and {@code tidepool.*}, its health contributors and meters, and the lifecycle of a {@code PoolRegistry}.
 *
 * <p>Spring Boot finds the auto-configurations through
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}. Tidepool's health module,
 * Micrometer and Spring Boot's health API are optional ({@code requires static}): each auto-configuration applies
 * only when its classes are present.
 */
module io.tidepool.spring.boot.autoconfigure {
    requires transitive io.tidepool.core;
    requires transitive spring.boot.autoconfigure;
    requires transitive spring.boot;
    requires transitive spring.context;
    requires transitive spring.beans;
    requires transitive spring.core;
    requires static transitive io.tidepool.health;
    requires static transitive micrometer.core;
    requires static transitive spring.boot.health;
    // Spring Boot 3's health types (TidepoolBoot3Health*), present only in a Spring Boot 3 application
    requires static transitive spring.boot.actuator;
    requires static transitive spring.boot.actuator.autoconfigure;
    requires static transitive org.jspecify;
    requires org.slf4j;

    exports io.tidepool.spring.boot.autoconfigure;

    // Spring instantiates the auto-configurations and binds the properties reflectively
    opens io.tidepool.spring.boot.autoconfigure;
}
