package org.safecity.gateway.rtsp.rtp;

/**
 * What an SPS says about the pictures that follow it.
 *
 * @param codec   "H264" or "H265"
 * @param width   displayed width in pixels, after cropping
 * @param height  displayed height in pixels, after cropping
 * @param profile profile name (e.g. "High", "Main 10"), or its number when unnamed here
 */
public record VideoFormat(String codec, int width, int height, String profile) {
}
