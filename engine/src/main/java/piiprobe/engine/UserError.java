package piiprobe.engine;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

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

    /**
     * Why a file operation failed, in a few words for the end of such a message: the system's reason
     * ("Read-only file system", "No space left on device", "Is a directory") where it gives one, since
     * Java's exceptions often carry only the path.
     */
    public static String reason(IOException e) {
        return switch (e) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no such file or folder";
            case FileAlreadyExistsException f -> f.getFile() + " exists already";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
