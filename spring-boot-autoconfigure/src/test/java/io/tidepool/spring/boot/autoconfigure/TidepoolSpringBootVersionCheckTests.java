package io.tidepool.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.asm.ClassWriter;
import org.springframework.asm.Opcodes;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** On Spring Boot 3 the starter fails the start, loudly, instead of silently not applying. */
@Timeout(60)
class TidepoolSpringBootVersionCheckTests {

    /** A class loader that also has Spring Boot 3's R2DBC auto-configuration class (an empty stand-in). */
    static final class Boot3ClassLoader extends ClassLoader {

        Boot3ClassLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.equals(TidepoolSpringBootVersionCheck.BOOT_3_R2DBC_AUTO_CONFIGURATION)) {
                throw new ClassNotFoundException(name);
            }
            ClassWriter writer = new ClassWriter(0);
            writer.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name.replace('.', '/'), null, "java/lang/Object", null);
            writer.visitEnd();
            byte[] bytes = writer.toByteArray();
            return defineClass(name, bytes, 0, bytes.length);
        }
    }

    @Test
    void onSpringBoot3TheStartFailsSayingWhatToDo() {
        new ApplicationContextRunner()
                .withClassLoader(new Boot3ClassLoader(getClass().getClassLoader()))
                .withConfiguration(AutoConfigurations.of(TidepoolSpringBootVersionCheck.class,
                        TidepoolAutoConfiguration.class))
                .withPropertyValues("spring.r2dbc.url=r2dbc:postgresql://localhost/db")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(TidepoolAutoConfigurationTests.rootCause(context.getStartupFailure()))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("tidepool-spring-boot-starter needs Spring Boot 4")
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
