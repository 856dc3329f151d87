package piiprobe.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lab command's wiring and its user errors (the lab itself is tested in the lab module, on the ci preset). */
class LabCommandTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownPresetIsNamedWithTheChoices() {
        assertEquals("unknown preset \"huge\": choose one of ci, default, full",
                Cli.run("lab", "--output-path", dir.toString(), "--preset", "huge").userError());
    }

    @Test
    void theOutputPathIsRequired() {
        assertTrue(Cli.run("lab").userError().startsWith("Missing required option: '--output-path=DIR'"));
    }

    @Test
    void anOutputPathThatIsAFileIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertEquals(file + " is a file: the lab needs a folder (a new one, or one of an earlier lab run)",
                Cli.run("lab", "--output-path", file.toString(), "--preset", "ci").userError());
    }
}
