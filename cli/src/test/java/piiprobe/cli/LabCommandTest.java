package piiprobe.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lab command's wiring and its user errors (the lab itself is tested in the lab module, on the ci preset). */
class LabCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter(), err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void anUnknownPresetIsNamedWithTheChoices() {
        assertEquals(2, run("lab", "--output-path", dir.toString(), "--preset", "huge"));
        assertEquals("piiprobe: unknown preset \"huge\": choose one of ci, default, full", err.toString().strip());
    }

    @Test
    void theOutputPathIsRequired() {
        assertEquals(2, run("lab"));
        assertTrue(err.toString().startsWith("piiprobe: Missing required option: '--output-path=DIR'"), err.toString());
    }

    @Test
    void anOutputPathThatIsAFileIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertEquals(2, run("lab", "--output-path", file.toString(), "--preset", "ci"));
        assertTrue(err.toString().startsWith("piiprobe: ") && err.toString().contains(file.toString()), err.toString());
    }
}
