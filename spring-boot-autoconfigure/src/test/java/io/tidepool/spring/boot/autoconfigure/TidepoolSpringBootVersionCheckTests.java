package io.tidepool.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** Before Spring Boot 3.5 the starter fails the start, loudly, instead of half applying. */
@Timeout(60)
class TidepoolSpringBootVersionCheckTests {

    @Test
    void beforeSpringBoot35TheStartFailsSayingWhatToDo() throws ClassNotFoundException {
        new ApplicationContextRunner()
                // what Spring Boot 3.4 and older lack
                .withClassLoader(new FilteredClassLoader(Class.forName(TidepoolSpringBootVersionCheck.SINCE_BOOT_3_5)))
                .withConfiguration(AutoConfigurations.of(TidepoolSpringBootVersionCheck.class,
                        TidepoolAutoConfiguration.class))
                .withPropertyValues("spring.r2dbc.url=r2dbc:postgresql://localhost/db")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(TidepoolAutoConfigurationTests.rootCause(context.getStartupFailure()))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("tidepool-spring-boot-starter needs Spring Boot 3.5 or 4")
                            .hasMessageContaining("docs/spring-boot.md");
                });
    }

    @Test
    void onSpringBoot4TheCheckDoesNotApply() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TidepoolSpringBootVersionCheck.class))
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(TidepoolSpringBootVersionCheck.class));
    }
}
