/**
 * RTSP edge: cameras push (ANNOUNCE/RECORD) or are pulled, readers DESCRIBE/PLAY; TCP-interleaved and UDP RTP.
 * Netty's RTSP codec parses requests; {@link org.safecity.gateway.rtsp.RtspFramer} splits interleaved RTP from
 * them; {@link org.safecity.gateway.rtsp.CameraStream} fans each camera's packets out to its readers.
 */
package org.safecity.gateway.rtsp;
