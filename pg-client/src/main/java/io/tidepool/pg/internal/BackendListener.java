package io.tidepool.pg.internal;

/** Receives each decoded backend message on the event loop; the message is valid only during the call. */
interface BackendListener {

    void onMessage(BackendMessage message);
}
