/**
 * Load generation for the SafeCity Gateway: a street-box simulator speaking the device contract over MQTT
 * ({@link org.safecity.load.BoxSimulator}) and a benchmark that drives it against the gateway and against
 * Mosquitto as a peer ({@link org.safecity.load.MqttBenchmark}). Not part of the gateway's build.
 */
package org.safecity.load;
