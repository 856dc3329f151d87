package piiprobe.engine.checkpoint;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading the files of a Hugging Face model folder safely: only regular files are opened (a FIFO or a
 * device named like a model file would block or never end), and JSON is parsed strictly (a duplicate
 * key or trailing garbage is an error, not a silent choice), with errors naming the file and the place.
 */
public final class HfFiles {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private HfFiles() {}

    /**
     * True for a regular file (symbolic links followed, as in the Hugging Face cache), false when
     * nothing is there; a {@link UserError} when something else is (a folder, a FIFO, a device).
     */
    public static boolean isRegularFile(Path file) {
        if (Files.isRegularFile(file)) return true;
        if (!Files.exists(file)) return false;
        throw new UserError(file + ": not a regular file (" + (Files.isDirectory(file) ? "a folder" : "a FIFO, socket or device") + ")");
    }

    /** The JSON object in {@code file}: a missing, unreadable, malformed or non-object file is a {@link UserError}. */
    public static JsonNode readObject(Path file) {
        if (!isRegularFile(file)) throw new UserError(file + ": file not found");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + UserError.reason(e));
        }
        return parseObject(bytes, file.toString());
    }

    /** The JSON object in {@code bytes}; errors start with {@code where}. */
    public static JsonNode parseObject(byte[] bytes, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UserError(where + ": malformed JSON: " + describe(e));
        }
        if (node == null || !node.isObject()) throw new UserError(where + ": not a JSON object");
        return node;
    }

    /** One line: Jackson's message without its source dump, and the line and column. */
    static String describe(IOException e) {
        String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (msg == null) msg = e.getClass().getSimpleName();
        int nl = msg.indexOf('\n');
        if (nl >= 0) msg = msg.substring(0, nl);
        msg = msg.replaceAll(" \\(start marker at \\[Source: [^\\]]*; line: (\\d+), column: (\\d+)\\]\\)", " opened at line $1, column $2");
        if (e instanceof JsonProcessingException j && j.getLocation() != null && j.getLocation() != JsonLocation.NA) {
            msg += " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
        }
        return msg;
    }
}
