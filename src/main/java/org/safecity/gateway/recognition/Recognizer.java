package org.safecity.gateway.recognition;

/**
 * What a worker type does with each decoded frame (face watchlist, plates). Runs on a recognition thread, never
 * an event loop: it may take its time (the sampler sends the next frame for its camera only when it returns).
 */
@FunctionalInterface
public interface Recognizer {
  void recognise(DecodedFrame frame) throws Exception;
}
