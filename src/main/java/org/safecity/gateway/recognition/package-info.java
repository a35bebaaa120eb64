/**
 * Recognition: a sampler per camera picks whole frames from the RTSP edge ({@link
 * org.safecity.gateway.recognition.CameraSampler}, bounded and latest-wins), sends them on the event bus as
 * self-contained, serializable {@link org.safecity.gateway.recognition.SampledFrame}s, and workers decode them
 * with FFmpeg off the event loops and hand the pictures to recognizers.
 */
package org.safecity.gateway.recognition;
