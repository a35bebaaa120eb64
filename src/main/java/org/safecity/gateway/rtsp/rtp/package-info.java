/**
 * RTP and RTCP as the RTSP edge needs them: header parsing, H.264/H.265 depacketization into access
 * units, SPS parsing for the picture size, RFC 3550 sequence/loss/jitter statistics, and the RTCP
 * reports a relay sends and reads.
 *
 * <p>Pure protocol code: no Vert.x types, Netty {@link io.netty.buffer.ByteBuf} only as the byte
 * carrier, no clock reads (arrival times come in as arguments). Nothing here is thread-safe; a
 * stream's depacketizer and tracker belong to the one event loop that reads its socket. Every parser
 * treats its input as hostile: bad bytes are reported (exception, empty result or a counter) and
 * never read out of bounds.
 */
package org.safecity.gateway.rtsp.rtp;
