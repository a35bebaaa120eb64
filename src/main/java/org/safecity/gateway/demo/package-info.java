/**
 * The live demo city ({@code java -jar safecity-gateway.jar demo}): the gateway in a data directory of its own,
 * with simulated cameras (RTSP push of a shipped H.264 clip), street boxes (MQTT, two regions), ERV crews (REST)
 * and scripted incidents. The simulators reach the gateway only through its public interfaces; nothing here runs
 * unless the demo is asked for.
 */
package org.safecity.gateway.demo;
