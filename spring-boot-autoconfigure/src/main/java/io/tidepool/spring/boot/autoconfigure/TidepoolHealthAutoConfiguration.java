package io.tidepool.spring.boot.autoconfigure;

import io.r2dbc.spi.ConnectionFactory;
import io.tidepool.TidepoolPool;
import io.tidepool.health.HealthThresholds;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Spring Boot auto-configuration for the application's Tidepool pools: a health indicator named {@code tidepool} over
 * all of them (each required, with the application's {@link HealthThresholds} bean if it has one) and a meter binder
 * publishing their meters. Either bean can be replaced by declaring one of the same type.
 *
 * <p>The pools are the {@link ConnectionFactory} beans that are a {@link TidepoolPool}, or that wrap one (as Spring
 * Boot wraps the factory it builds from {@code spring.r2dbc.url=r2dbc:tidepool:postgresql://...}). It applies when a
 * bean is declared with the type {@link TidepoolPool}, or when {@code spring.r2dbc.url} names the {@code tidepool}
 * driver: Spring decides from declared types before creating beans, so a pool declared only as a
 * {@code ConnectionFactory} under another URL is not seen.
 *
 * <p>A pool that Spring Boot built and wrapped is closed by this configuration when the context closes (the
 * wrapper has no {@code close()} for Spring to call); a pool that is a bean itself is left to Spring's destroy
 * method, or to whoever declared it with {@code destroyMethod = ""}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration")
@ConditionalOnClass({TidepoolPool.class, ReactiveHealthIndicator.class})
@Conditional(TidepoolHealthAutoConfiguration.OnTidepoolPools.class)
public class TidepoolHealthAutoConfiguration {

    /** Creates the auto-configuration; Spring calls this. */
    public TidepoolHealthAutoConfiguration() {
    }

    /** The health indicator over every pool; its name in the health endpoint is {@code tidepool}. */
    @Bean
    @ConditionalOnMissingBean
    public TidepoolHealthIndicator tidepoolHealthIndicator(ObjectProvider<ConnectionFactory> factories,
                                                           ObjectProvider<HealthThresholds> thresholds) {
        return TidepoolHealthIndicator.forPools(SpringPools.of(factories).all(),
                thresholds.getIfAvailable(HealthThresholds::defaults));
    }

    /** The meters of every pool, bound by Spring Boot to its meter registries. */
    @Bean
    @ConditionalOnMissingBean
    public TidepoolPoolsMeterBinder tidepoolMeterBinder(ObjectProvider<ConnectionFactory> factories) {
        return new TidepoolPoolsMeterBinder(SpringPools.of(factories).all());
    }

    /** Closes, with the context, the pools that are reachable only through a wrapper Spring Boot built. */
    @Bean
    WrappedPoolsCloser tidepoolWrappedPoolsCloser(ObjectProvider<ConnectionFactory> factories) {
        return new WrappedPoolsCloser(SpringPools.of(factories).wrappedOnly());
    }

    /** A bean declared as a {@link TidepoolPool}, or a {@code spring.r2dbc.url} with the {@code tidepool} driver. */
    static final class OnTidepoolPools extends AnyNestedCondition {

        OnTidepoolPools() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(TidepoolPool.class)
        static final class PoolBean {
        }

        @Conditional(TidepoolUrl.class)
        static final class UrlNamesTidepool {
        }
    }

    /** {@code spring.r2dbc.url} names the {@code tidepool} driver; the outcome never quotes the URL (password). */
    static final class TidepoolUrl extends SpringBootCondition {

        static final String PROPERTY = "spring.r2dbc.url";
        static final String PREFIX = "r2dbc:tidepool:";

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty(PROPERTY, "");
            return url.startsWith(PREFIX)
                    ? ConditionOutcome.match(PROPERTY + " names the tidepool driver")
                    : ConditionOutcome.noMatch(PROPERTY + " does not start with " + PREFIX);
        }
    }
}
