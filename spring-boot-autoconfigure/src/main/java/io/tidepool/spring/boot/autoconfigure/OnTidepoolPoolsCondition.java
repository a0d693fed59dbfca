package io.tidepool.spring.boot.autoconfigure;

import io.tidepool.TidepoolPool;
import io.tidepool.registry.PoolRegistry;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The application has Tidepool pools: a bean declared as a {@link TidepoolPool} (the auto-configured pool is one), a
 * {@link PoolRegistry} bean, or a {@code spring.r2dbc.url} that names the {@code tidepool} driver (a pool Spring Boot
 * built and wrapped, when {@code tidepool.enabled=false}). Spring decides from declared types before it creates
 * beans, so a pool declared only as a {@code ConnectionFactory} under another URL is not seen.
 */
public final class OnTidepoolPoolsCondition extends AnyNestedCondition {

    /** Creates the condition; Spring calls this. */
    public OnTidepoolPoolsCondition() {
        super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnBean(TidepoolPool.class)
    static final class PoolBean {
    }

    @ConditionalOnBean(PoolRegistry.class)
    static final class RegistryBean {
    }

    @Conditional(TidepoolUrl.class)
    static final class UrlNamesTidepool {
    }

    /** {@code spring.r2dbc.url} names the {@code tidepool} driver; the outcome never quotes the URL (password). */
    public static final class TidepoolUrl extends SpringBootCondition {

        /** Creates the condition; Spring calls this. */
        public TidepoolUrl() {
        }

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
