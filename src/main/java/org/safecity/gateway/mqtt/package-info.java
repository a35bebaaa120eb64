/** MQTT edge: the street-box device contract (api-spec/asyncapi.yaml), payload validation and the MQTT endpoint. */
package org.safecity.gateway.mqtt;
