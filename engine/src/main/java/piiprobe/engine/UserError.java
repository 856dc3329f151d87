package piiprobe.engine;

/**
 * A failure the user caused and can fix (a bad path, an unsupported model, a malformed file, a bad
 * flag). The message is one line that names the culprit; the CLI prints it without a stack trace
 * and exits non-zero.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
