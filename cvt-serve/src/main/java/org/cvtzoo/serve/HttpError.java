package org.cvtzoo.serve;

/** A request that fails with an HTTP status and a message for the client (sent as {@code {"error": message}}). */
final class HttpError extends RuntimeException {
    final int status;
    /** Seconds for a {@code Retry-After} header; 0 for none. */
    final int retryAfter;

    HttpError(int status, String message) {
        this(status, message, 0);
    }

    HttpError(int status, String message, int retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }
}
