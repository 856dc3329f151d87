package piiprobe.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, answered in OpenAI's error shape
 * ({@code {"error": {"message", "type", "param", "code"}}}) with a 4xx or 5xx status.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;

    private ApiError(int status, String type, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400: a field is missing, of the wrong type or out of range; {@code param} names it. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, message);
    }

    static ApiError status(int status, String type, String message) {
        return new ApiError(status, type, null, message);
    }

    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", getMessage());
        error.put("type", type);
        if (param == null) error.putNull("param");
        else error.put("param", param);
        error.put("code", status);
        return root;
    }
}
