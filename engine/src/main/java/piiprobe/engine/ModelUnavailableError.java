package piiprobe.engine;

/**
 * A backend could not answer even after its own retries (a served model down, overloaded or too slow).
 * Nothing the call would have produced is partially returned: a caller that journals its work records
 * the affected rows as not done and asks again later (for example when a killed run is resumed).
 */
public class ModelUnavailableError extends RuntimeException {
    public ModelUnavailableError(String message, Throwable cause) {
        super(message, cause);
    }
}
