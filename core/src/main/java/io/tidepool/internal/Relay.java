package io.tidepool.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Helpers for the engine's own operators and flags. */
final class Relay {

    private Relay() {
    }

    /** A field's handle, for the engine's classes that keep a flag or a counter in a field of their own. */
    static VarHandle field(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
