package io.tidepool.health.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidepool.TidepoolPool;
import io.tidepool.health.DashboardResources;
import io.tidepool.health.HealthTestPools;
import io.tidepool.health.HealthThresholds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class TidepoolHealthAutoConfigurationTests {

    @Configuration(proxyBeanMethods = false)
    static class Application {

        @Bean(destroyMethod = "")
        TidepoolPool ordersPool() {
            return HealthTestPools.builder("spring-orders").buildPool();
        }

        @Bean
        HealthThresholds healthThresholds() {
            return HealthTestPools.patient();
        }
    }

    @Test
    void aSpringApplicationWithAPoolGetsAHealthIndicatorAndAMeterBinder() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TidepoolPool pool;
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(Application.class, TidepoolHealthAutoConfiguration.class);
            context.refresh();
            pool = context.getBean(TidepoolPool.class);

            ReactiveHealthIndicator indicator = context.getBean(ReactiveHealthIndicator.class);
            Health health = indicator.health().block(Duration.ofSeconds(10));
            assertThat(health).isNotNull();
            assertThat(health.getStatus()).as(String.valueOf(health.getDetails())).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsKey(pool.name());
            @SuppressWarnings("unchecked")
            Map<String, Object> details = (Map<String, Object>) health.getDetails().get(pool.name());
            assertThat(details).containsEntry("status", "UP").containsEntry("required", true);

            context.getBean(MeterBinder.class).bindTo(registry);
            assertThat(registry.find("db.client.connection.max").gauge()).isNotNull();
        }
        // closing the context closed the binder: its meters are gone
        assertThat(registry.getMeters()).isEmpty();
        pool.close().block(Duration.ofSeconds(30));
    }

    @Test
    void withoutAPoolNothingIsAdded() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(TidepoolHealthAutoConfiguration.class);
            context.refresh();

            assertThat(context.getBeansOfType(ReactiveHealthIndicator.class)).isEmpty();
            assertThat(context.getBeansOfType(MeterBinder.class)).isEmpty();
        }
    }

    @Test
    void theAutoConfigurationIsListedForSpringBoot() throws Exception {
        assertThat(DashboardResources.read(
                "/META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports"))
                .contains(TidepoolHealthAutoConfiguration.class.getName());
    }
}
