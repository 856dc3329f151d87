package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** piiprobe run in this JVM as from a shell: its exit code and what it printed on stdout and stderr. */
record Cli(int exit, String out, String err) {
    static final Path GOLDEN = Path.of("../engine/src/test/resources/golden").toAbsolutePath().normalize();
    static final String GPT2 = GOLDEN.resolve("gpt2").toString(), TOKENIZER = GOLDEN.resolve("tokenizer").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    static Cli run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(exit, out.toString(), err.toString());
    }

    static Cli run(List<String> args) {
        return run(args.toArray(String[]::new));
    }

    JsonNode json() throws IOException {
        return JSON.readTree(out);
    }

    /** A user mistake's message: the run exited with 2 and printed one line, "piiprobe: " and it, without a stack trace. */
    String userError() {
        return oneLine(Main.USER_ERROR);
    }

    /** The one line printed by a run that ended with {@code exit} (2: a user mistake, 3: a served model that stayed down). */
    String oneLine(int exit) {
        assertEquals(exit, this.exit, "exit code; stderr:\n" + err);
        String line = err.strip();
        assertEquals(1, line.lines().count(), "one line:\n" + err);
        assertFalse(line.contains("\tat ") || line.contains("Exception"), "no stack trace:\n" + err);
        assertEquals("piiprobe: ", line.substring(0, Math.min(10, line.length())), err);
        return line.substring("piiprobe: ".length());
    }
}
